-- AlterTable
ALTER TABLE "phone_numbers" ADD COLUMN     "attention_reason" TEXT,
ADD COLUMN     "delete_warning" TEXT,
ADD COLUMN     "import_steps" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "provider_number_id" TEXT,
ADD COLUMN     "sip_auth_enc" TEXT,
ADD COLUMN     "state" TEXT NOT NULL DEFAULT 'active',
ADD COLUMN     "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- CreateTable
CREATE TABLE "plivo_india_bindings" (
    "number" TEXT NOT NULL,
    "first_bound_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_tenant_id" TEXT NOT NULL,
    "released_at" TIMESTAMP(3),

    CONSTRAINT "plivo_india_bindings_pkey" PRIMARY KEY ("number")
);
