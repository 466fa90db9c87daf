-- The first model: members with a unique name and an optional email.
-- Portable SQL: this example runs on PostgreSQL and on SQLite.
-- migrate:up
CREATE TABLE "members" (
    "id" BIGINT NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT,
    CONSTRAINT "members_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "members_name_key" UNIQUE ("name")
);

-- migrate:down
DROP TABLE "members";
