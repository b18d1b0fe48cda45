-- AlterTable
ALTER TABLE "call_sessions" ADD COLUMN     "campaign_id" TEXT;

-- AlterTable
ALTER TABLE "outbound_calls" ADD COLUMN     "campaign_contact_id" TEXT,
ADD COLUMN     "campaign_id" TEXT;

-- AlterTable
ALTER TABLE "session_views" ADD COLUMN     "campaign_id" TEXT;

-- CreateTable
CREATE TABLE "campaigns" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "user_id" TEXT,
    "name" TEXT NOT NULL,
    "agent_id" TEXT NOT NULL,
    "from_numbers" TEXT[],
    "timezone" TEXT NOT NULL,
    "windows" JSONB NOT NULL,
    "start_at" TIMESTAMP(3),
    "end_at" TIMESTAMP(3),
    "concurrency" INTEGER NOT NULL,
    "max_calls_per_second" DOUBLE PRECISION,
    "retry" JSONB NOT NULL,
    "recipient_hours" JSONB,
    "webhook_url" TEXT,
    "status" TEXT NOT NULL,
    "pace_next_at" TIMESTAMP(3),
    "rotation" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    "launched_at" TIMESTAMP(3),
    "completed_at" TIMESTAMP(3),

    CONSTRAINT "campaigns_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaign_contacts" (
    "id" TEXT NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "to_number" TEXT NOT NULL,
    "context" JSONB NOT NULL DEFAULT '{}',
    "timezone" TEXT,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_outcome" TEXT,
    "last_session_id" TEXT,
    "next_attempt_at" TIMESTAMP(3),
    "claimed_at" TIMESTAMP(3),
    "duration_seconds" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "campaign_contacts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "do_not_call_numbers" (
    "tenant_id" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "added_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "do_not_call_numbers_pkey" PRIMARY KEY ("tenant_id","number")
);

-- CreateIndex
CREATE INDEX "campaigns_status_idx" ON "campaigns"("status");

-- CreateIndex
CREATE INDEX "campaigns_tenant_id_created_at_idx" ON "campaigns"("tenant_id", "created_at");

-- CreateIndex
CREATE INDEX "campaign_contacts_campaign_id_state_next_attempt_at_idx" ON "campaign_contacts"("campaign_id", "state", "next_attempt_at");

-- CreateIndex
CREATE UNIQUE INDEX "campaign_contacts_campaign_id_to_number_key" ON "campaign_contacts"("campaign_id", "to_number");

-- CreateIndex
CREATE UNIQUE INDEX "campaign_contacts_campaign_id_seq_key" ON "campaign_contacts"("campaign_id", "seq");

-- CreateIndex
CREATE INDEX "do_not_call_numbers_tenant_id_added_at_idx" ON "do_not_call_numbers"("tenant_id", "added_at");

-- CreateIndex
CREATE INDEX "outbound_calls_campaign_id_state_idx" ON "outbound_calls"("campaign_id", "state");

-- CreateIndex
CREATE INDEX "session_views_tenant_id_campaign_id_started_at_idx" ON "session_views"("tenant_id", "campaign_id", "started_at" DESC);
