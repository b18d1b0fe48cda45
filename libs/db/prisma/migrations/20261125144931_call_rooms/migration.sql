-- AlterTable
ALTER TABLE "call_sessions" ADD COLUMN     "room_name" TEXT;

-- CreateIndex
CREATE INDEX "call_sessions_room_name_idx" ON "call_sessions"("room_name");
