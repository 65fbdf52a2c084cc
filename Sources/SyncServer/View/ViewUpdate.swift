import SyncCore

/// One step of the merged view as pure computation: which pieces of the corpus a batch of
/// operations is about (``CorpusEntity``), each piece resolved again from all of its
/// operations with the reference merge, and the codebook placed again where a code was
/// named or renamed. ``MergedView`` does the reading and writing around it.
struct ViewUpdate {
    /// The pieces the batch is about, by key.
    private(set) var entities: [String: CorpusEntity] = [:]
    /// The batch's operations about each piece, by key.
    private var newOperations: [String: [SyncOperation]] = [:]
    /// The first operation of the batch naming each code (and each code above it).
    private(set) var mentions: [TagName: CodeMention] = [:]
    /// What the step writes.
    private(set) var changes = ViewChanges()
    /// The codes' registers resolved by ``resolve(history:)``.
    private(set) var registers: [TagName: CodeRegisters] = [:]

    /// Surveys a batch of operations, in log order.
    init(_ operations: [(seq: Int64, operation: SyncOperation)]) {
        for (seq, operation) in operations {
            let (about, named) = CorpusState.entities(of: operation)
            for entity in about {
                let key = entity.key
                entities[key] = entity
                newOperations[key, default: []].append(operation)
                changes.entityOperations.append((key, seq))
            }
            for (tag, mention) in named where mentions[tag].map({ mention.timestamp < $0.timestamp }) ?? true {
                mentions[tag] = mention
            }
        }
    }

    /// Resolves each piece from the operations about it that came before the batch
    /// (`history`, by key) and the batch's own.
    /// - Complexity: O(operations about the pieces the batch touched).
    mutating func resolve(history: [String: [SyncOperation]]) {
        for (key, entity) in entities {
            var state = CorpusState()
            for operation in history[key] ?? [] { state.apply(operation) }
            for operation in newOperations[key] ?? [] { state.apply(operation) }
            let resolved = state.resolve(entity)
            if case .code(let tag) = entity, case .code(let resolvedRegisters) = resolved {
                registers[tag] = resolvedRegisters
            } else {
                changes.record(entity, resolved)
            }
        }
    }

    /// The codes the batch may change: those it names and those it renamed or described.
    var codeCandidates: Set<TagName> { Set(mentions.keys).union(registers.keys) }

    /// Updates the candidate codes from their stored rows (`stored`, none for a code named
    /// for the first time).
    /// - Returns: the codes whose place must be worked out again (new, or whose winning
    ///   name changed); empty when the codebook's shape did not change.
    mutating func updateCodes(stored: [TagName: ViewCode]) -> Set<TagName> {
        var replace: Set<TagName> = []
        var updated: [ViewCode] = []
        for id in codeCandidates.sorted() {
            var row: ViewCode
            if let existing = stored[id] {
                row = existing
            } else if let mention = mentions[id] {
                row = ViewCode(id: id, mention: mention)
                replace.insert(id)
            } else {
                continue  // every operation about a code names it: unreachable
            }
            if let mention = mentions[id], mention.timestamp < row.created {
                row.created = mention.timestamp
                row.createdBy = mention.author
            }
            if let registers = registers[id] {
                if registers.winner != row.winner { replace.insert(id) }
                row.winner = registers.winner
                row.link = CodebookResolver.link(of: id, winner: registers.winner)
                row.memo = registers.memo
                row.nameConflicts = registers.nameConflicts
                row.memoConflicts = registers.memoConflicts
            }
            if row != stored[id] { updated.append(row) }
        }
        changes.codes = updated
        return replace
    }

    /// Places again the codes in `replace` and every code whose place derives from them
    /// (their subtrees, and codes merged into them), given the whole stored codebook
    /// (`all`), as the replica does (`CodebookStore`).
    mutating func placeCodes(_ replace: Set<TagName>, all stored: [TagName: ViewCode]) {
        var codes = stored
        for row in changes.codes { codes[row.id] = row }
        var dependents: [TagName: [TagName]] = [:]
        for row in codes.values { if let link = row.link { dependents[link, default: []].append(row.id) } }
        var affected = replace
        var queue = Array(replace)
        while let next = queue.popLast() {
            for id in dependents[next] ?? [] where affected.insert(id).inserted { queue.append(id) }
        }
        let places = CodebookResolver.places(
            of: affected.sorted(), winner: { codes[$0]?.winner },
            known: { id in
                guard !affected.contains(id), let row = codes[id] else { return nil }
                return CodePlace(path: row.path, representative: row.representative)
            })
        var written = Dictionary(uniqueKeysWithValues: changes.codes.map { ($0.id, $0) })
        for id in affected {
            guard var row = codes[id], let place = places[id] else { continue }
            guard row.path != place.path || row.representative != place.representative || written[id] != nil else { continue }
            row.path = place.path
            row.representative = place.representative
            written[id] = row
        }
        changes.codes = written.values.sorted { $0.id < $1.id }
    }
}
