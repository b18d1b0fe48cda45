-- CreateIndex
CREATE INDEX "call_sessions_open_idx" ON "call_sessions"("created_at") WHERE (ended_at IS NULL);
