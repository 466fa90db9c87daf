//! Autogenerate: in the next commit.
