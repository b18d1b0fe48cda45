-- AlterTable
ALTER TABLE "trial_numbers" ALTER COLUMN "credentials_enc" DROP NOT NULL;
