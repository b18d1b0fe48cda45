-- AlterTable
ALTER TABLE "users" ADD COLUMN     "revoked_at" TIMESTAMP(3);
