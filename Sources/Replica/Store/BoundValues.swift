import GRDB
import GRDBSQLite

/// A value bound straight to a prepared statement (``GRDB/Statement/execute(bound:)``).
enum BoundValue {
    case text(String)
    case integer(Int64)
    case null

    static func text(_ value: String?) -> BoundValue { value.map(BoundValue.text) ?? .null }
    static func flag(_ value: Bool) -> BoundValue { .integer(value ? 1 : 0) }
}

extension Statement {
    /// Executes the statement with `values` bound straight to SQLite.
    ///
    /// For the statements that run for every operation applied (the log's insert and each
    /// kind's own): GRDB's `StatementArguments` box each value as an existential and
    /// convert it to a `DatabaseValue`, which was a noticeable part of applying a pull.
    /// Use it only on statements that are never executed through GRDB's arguments too.
    func execute(bound values: [BoundValue]) throws {
        let statement = sqliteStatement
        sqlite3_reset(statement)
        // SQLITE_TRANSIENT: SQLite copies the bytes before the call returns.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (index, value) in values.enumerated() {
            let position = Int32(index + 1)
            let code: Int32
            switch value {
            case .text(let text):
                var text = text
                code = text.withUTF8 { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { characters in
                        // An empty string still needs a pointer, or SQLite binds NULL.
                        guard let start = characters.baseAddress else { return sqlite3_bind_text(statement, position, "", 0, transient) }
                        return sqlite3_bind_text(statement, position, start, Int32(characters.count), transient)
                    }
                }
            case .integer(let number): code = sqlite3_bind_int64(statement, position, number)
            case .null: code = sqlite3_bind_null(statement, position)
            }
            guard code == SQLITE_OK else { throw error(code) }
        }
        let code = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard code == SQLITE_DONE || code == SQLITE_ROW else { throw error(code) }
    }

    private func error(_ code: Int32) -> DatabaseError {
        let connection = sqlite3_db_handle(sqliteStatement)
        return DatabaseError(
            resultCode: ResultCode(rawValue: code), message: connection.map { String(cString: sqlite3_errmsg($0)) }, sql: sql)
    }
}
