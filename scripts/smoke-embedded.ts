import { openEmbedded } from '../libs/db/src';
(async () => {
  const db = await openEmbedded('/tmp/cp-pglite-smoke');
  await db.prisma.tenant.upsert({ where: { id: 'ten_x' }, create: { id: 'ten_x', name: 'x' }, update: {} });
  console.log(await db.prisma.tenant.count());
  await db.close();
})().catch((e) => { console.error(e); process.exit(1); });
