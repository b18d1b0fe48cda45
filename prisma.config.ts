import { defineConfig } from 'prisma/config';

// `prisma migrate deploy` in production reads DATABASE_URL; here it is only needed by commands that connect.
export default defineConfig({
  schema: 'libs/db/prisma/schema',
  migrations: { path: 'libs/db/prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/callplane' },
});
