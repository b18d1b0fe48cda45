-- CreateIndex
CREATE INDEX "outbox_events_pending_idx" ON "outbox_events"("created_at", "id") WHERE (published_at IS NULL);

-- CreateIndex
CREATE INDEX "outbox_events_key_idx" ON "outbox_events"("key");
