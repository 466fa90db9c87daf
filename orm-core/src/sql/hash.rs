//! [`FastHash`]: the hasher of the caches on every query's path.

use std::hash::{BuildHasherDefault, Hasher};

/// A fast, non-cryptographic hasher (the "Fx" hash of rustc) for the
/// caches consulted on every query: the shape cache of compiled SQL and a
/// backend's prepared statements. Their keys are query shapes and SQL text
/// the program itself writes, so hash flooding is not a concern; the
/// standard SipHash cost more than the rest of a cached lookup.
pub type FastHash = BuildHasherDefault<FxHasher>;

/// The hasher behind [`FastHash`].
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            // The length keeps "a" and "a\0" apart.
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 56));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // Spread the low bits into the high ones, which hash tables use too.
        self.hash ^ (self.hash >> 32)
    }
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::FastHash;

    #[test]
    fn equal_keys_hash_equal_and_different_ones_differ() {
        let h = FastHash::default();
        assert_eq!(h.hash_one("SELECT 1"), h.hash_one(String::from("SELECT 1")));
        let texts = ["", "a", "a\0", "ab", "SELECT 1", "SELECT 2", "SELECT 1 "];
        for (i, a) in texts.iter().enumerate() {
            for b in &texts[i + 1..] {
                assert_ne!(h.hash_one(a), h.hash_one(b), "{a:?} and {b:?}");
            }
        }
        assert_ne!(
            h.hash_one([1usize, 2].as_slice()),
            h.hash_one([2usize, 1].as_slice())
        );
    }
}
