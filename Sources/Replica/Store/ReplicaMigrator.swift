import GRDB

/// Applies the replica schema from the SQL files of `migrations/replica/`, embedded in
/// the binary at build time, recording each applied id (GRDB's `grdb_migrations` table).
enum ReplicaMigrator {
    /// The migrations of the replica schema, in order.
    static var migrations: [EmbeddedMigration] { EmbeddedMigrations.set("replica") }

    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in migrations {
            migrator.registerMigration(migration.id) { db in
                try db.execute(sql: migration.sql)
            }
        }
        return migrator
    }
}
