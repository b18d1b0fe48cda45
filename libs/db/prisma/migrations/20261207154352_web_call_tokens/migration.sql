-- CreateTable
CREATE TABLE "web_call_tokens" (
    "session_id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "metadata" JSONB NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "used_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "web_call_tokens_pkey" PRIMARY KEY ("session_id")
);

-- CreateIndex
CREATE INDEX "web_call_tokens_unused_idx" ON "web_call_tokens"("expires_at") WHERE (used_at IS NULL);
