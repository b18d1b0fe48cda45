-- AlterTable
ALTER TABLE "call_sessions" ADD COLUMN     "max_duration_seconds" INTEGER,
ADD COLUMN     "media_replica" TEXT;

-- AlterTable
ALTER TABLE "outbound_calls" ADD COLUMN     "claimed_by" TEXT;

-- CreateIndex
CREATE INDEX "call_sessions_open_idx" ON "call_sessions"("created_at") WHERE (ended_at IS NULL);
