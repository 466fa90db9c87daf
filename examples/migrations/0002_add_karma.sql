-- A column with a default, so rows already there get it too, and its index.
-- migrate:up
ALTER TABLE "members" ADD COLUMN "karma" INTEGER NOT NULL DEFAULT 0;
CREATE INDEX "members_karma_idx" ON "members" ("karma");

-- migrate:down
DROP INDEX "members_karma_idx";
ALTER TABLE "members" DROP COLUMN "karma";
