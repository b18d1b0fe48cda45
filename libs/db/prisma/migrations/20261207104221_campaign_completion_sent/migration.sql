-- AlterTable
ALTER TABLE "campaigns" ADD COLUMN     "completion_sent_at" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "campaign_contacts_campaign_id_state_seq_idx" ON "campaign_contacts"("campaign_id", "state", "seq");

-- CreateIndex
CREATE INDEX "campaigns_status_completion_sent_at_idx" ON "campaigns"("status", "completion_sent_at");
