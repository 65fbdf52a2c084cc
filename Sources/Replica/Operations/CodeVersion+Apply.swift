import GRDB
import SyncCore

/// The code kinds' shared rule, like the notes': record the supersessions of `base` (scoped
/// to the code and register), then the new version, superseded on arrival if a later
/// version of the same register named it.
enum CodeVersionApplier {
    enum Register: String {
        case name
        case memo
    }

    static func add(
        _ context: ApplyContext, tag: TagName, register: Register, base: [Timestamp], parent: TagName? = nil,
        label: String? = nil, into: TagName? = nil, memo: String? = nil
    ) throws {
        let db = context.db
        let record = try db.cachedStatement(
            sql: "INSERT INTO code_supersessions (version, tag, register) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        let supersede = try db.cachedStatement(
            sql: "UPDATE code_versions SET superseded = 1 WHERE hlc = ? AND tag = ? AND register = ? AND superseded = 0")
        for version in base {
            let values: [BoundValue] = [.text(version.description), .text(tag.rawValue), .text(register.rawValue)]
            try record.execute(bound: values)
            try supersede.execute(bound: values)
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO code_versions (hlc, tag, register, author, parent, label, into_tag, memo, superseded)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,
                    EXISTS (SELECT 1 FROM code_supersessions WHERE version = ?1 AND tag = ?2 AND register = ?3))
                """
        ).execute(bound: [
            .text(context.hlc), .text(tag.rawValue), .text(register.rawValue), .text(context.author), .text(parent?.rawValue),
            .text(label), .text(into?.rawValue), .text(memo),
        ])
    }
}

extension RenameTag: ReplicaApplicable {
    func apply(in context: ApplyContext) throws {
        context.codebook.mention(tag, context)
        if let parent { context.codebook.mention(parent, context) }
        try CodeVersionApplier.add(context, tag: tag, register: .name, base: base, parent: parent, label: label)
        context.codebook.renamed.insert(tag.rawValue)
    }
}

extension MergeTag: ReplicaApplicable {
    func apply(in context: ApplyContext) throws {
        context.codebook.mention(tag, context)
        context.codebook.mention(into, context)
        try CodeVersionApplier.add(context, tag: tag, register: .name, base: base, into: into)
        context.codebook.renamed.insert(tag.rawValue)
    }
}

extension DescribeTag: ReplicaApplicable {
    func apply(in context: ApplyContext) throws {
        context.codebook.mention(tag, context)
        try CodeVersionApplier.add(context, tag: tag, register: .memo, base: base, memo: memo.isEmpty ? nil : memo)
    }
}

extension UndoChangeset: ReplicaApplicable {
    func apply(in context: ApplyContext) throws {
        try context.db.cachedStatement(
            sql: "INSERT INTO undone_changesets (changeset, undone_by) VALUES (?, ?) ON CONFLICT DO NOTHING"
        ).execute(bound: [.text(changeset.rawValue), .text(context.hlc)])
    }
}
