// The Prisma CLI's configuration for the compatibility tests: Prisma 6.19
// with its JavaScript schema engine and the pg driver adapter, which runs
// without network access (see scripts/prisma.sh).
import { defineConfig } from 'prisma/config'
import { PrismaPg } from '@prisma/adapter-pg'

// Connection fields rather than a connection string: adapter-pg derives other
// pools from this config by replacing `database`, which a string would override.
const url = new URL(process.env.DATABASE_URL ?? '')
const pool = (database: string) => ({
  host: url.hostname,
  port: Number(url.port || 5432),
  user: decodeURIComponent(url.username),
  password: decodeURIComponent(url.password),
  database,
  // Without it every command lingers until the pool's idle timeout.
  allowExitOnIdle: true,
})

// migrate dev's shadow database.  adapter-pg 6.19 names the new database in a
// config whose connection string wins over it, and drops it before closing
// its pool; this makes it the same way with connection fields, in that order.
class PgWithShadow extends PrismaPg {
  async connectToShadowDb() {
    const main = await this.connect()
    const name = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID()}`
    await main.executeScript(`CREATE DATABASE "${name}"`)
    const shadow = await new PrismaPg(pool(name)).connect()
    const close = shadow.dispose.bind(shadow)
    shadow.dispose = async () => {
      await close()
      await main.executeScript(`DROP DATABASE "${name}" WITH (FORCE)`)
      await main.dispose()
    }
    return shadow
  }
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => new PgWithShadow(pool(url.pathname.slice(1))),
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
})
