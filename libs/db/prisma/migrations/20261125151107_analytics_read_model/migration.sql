-- AlterTable
ALTER TABLE "session_views" ADD COLUMN     "lifecycle_event_id" TEXT,
ADD COLUMN     "price_version" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "recording_report_seq" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "usage_lines" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "usage_report_seq" INTEGER NOT NULL DEFAULT 0,
ALTER COLUMN "direction" DROP NOT NULL,
ALTER COLUMN "call_type" DROP NOT NULL,
ALTER COLUMN "from_number" DROP NOT NULL,
ALTER COLUMN "to_number" DROP NOT NULL,
ALTER COLUMN "provider" DROP NOT NULL,
ALTER COLUMN "status" DROP NOT NULL,
ALTER COLUMN "started_at" DROP NOT NULL,
ALTER COLUMN "last_event_at" DROP NOT NULL;

-- CreateTable
CREATE TABLE "price_tables" (
    "version" INTEGER NOT NULL,
    "prices" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "price_tables_pkey" PRIMARY KEY ("version")
);

-- CreateTable
CREATE TABLE "leads" (
    "tenant_id" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "first_seen_at" TIMESTAMP(3) NOT NULL,
    "last_seen_at" TIMESTAMP(3) NOT NULL,
    "calls" INTEGER NOT NULL,

    CONSTRAINT "leads_pkey" PRIMARY KEY ("tenant_id","number")
);

-- CreateIndex
CREATE INDEX "leads_tenant_id_first_seen_at_number_idx" ON "leads"("tenant_id", "first_seen_at" DESC, "number");
