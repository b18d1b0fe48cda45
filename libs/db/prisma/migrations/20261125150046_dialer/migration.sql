-- CreateTable
CREATE TABLE "outbound_calls" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "user_id" TEXT,
    "agent_id" TEXT NOT NULL,
    "from_phone_id" TEXT,
    "from_number" TEXT NOT NULL,
    "to_number" TEXT NOT NULL,
    "call_type" TEXT NOT NULL,
    "context" JSONB NOT NULL DEFAULT '{}',
    "state" TEXT NOT NULL,
    "scheduled_at" TIMESTAMP(3),
    "webhook_url" TEXT,
    "room_name" TEXT,
    "trial_number_id" TEXT,
    "error" TEXT,
    "call_state" TEXT,
    "dispatched_at" TIMESTAMP(3),
    "ringing_at" TIMESTAMP(3),
    "answered_at" TIMESTAMP(3),
    "ended_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "outbound_calls_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "trial_numbers" (
    "id" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "credentials_enc" TEXT NOT NULL,
    "livekit_outbound_trunk_id" TEXT,
    "in_use_by" TEXT,
    "leased_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "trial_numbers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "test_call_counters" (
    "scope" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "test_call_counters_pkey" PRIMARY KEY ("scope","day")
);

-- CreateTable
CREATE TABLE "webhook_secrets" (
    "tenant_id" TEXT NOT NULL,
    "secret_enc" TEXT NOT NULL,
    "previous_secret_enc" TEXT,
    "previous_expires_at" TIMESTAMP(3),
    "rotated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_secrets_pkey" PRIMARY KEY ("tenant_id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "session_id" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,
    "occurred_at" TIMESTAMP(3) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMP(3),

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "outbound_calls_state_scheduled_at_idx" ON "outbound_calls"("state", "scheduled_at");

-- CreateIndex
CREATE INDEX "outbound_calls_tenant_id_created_at_idx" ON "outbound_calls"("tenant_id", "created_at");

-- CreateIndex
CREATE INDEX "outbound_calls_user_id_call_type_created_at_idx" ON "outbound_calls"("user_id", "call_type", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "trial_numbers_number_key" ON "trial_numbers"("number");

-- CreateIndex
CREATE UNIQUE INDEX "trial_numbers_in_use_by_key" ON "trial_numbers"("in_use_by");

-- CreateIndex
CREATE INDEX "trial_numbers_region_in_use_by_idx" ON "trial_numbers"("region", "in_use_by");

-- CreateIndex
CREATE INDEX "webhook_deliveries_state_next_attempt_at_idx" ON "webhook_deliveries"("state", "next_attempt_at");

-- CreateIndex
CREATE INDEX "webhook_deliveries_session_id_occurred_at_idx" ON "webhook_deliveries"("session_id", "occurred_at");
