import ArgumentParser
import Replica

extension Annot {
    struct Note: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "note",
            abstract: "Add, edit or delete a note.",
            discussion: """
                annot note ARTICLE TEXT          adds a note to an article and prints its id
                annot note --edit NOTE TEXT      replaces a note's text (and resolves a conflict on it)
                annot note --delete NOTE         deletes a note

                Notes are named by id or unique prefix, like articles. When two people edit a note \
                at the same time, the newest edit is shown and the other is kept: 'annot conflicts' \
                lists both until someone edits the note again. An edit made at the same time as a \
                delete wins: the note stays.
                """
        )

        @OptionGroup var replica: ReplicaOptions
        @Option(help: ArgumentHelp("Edit this note instead of adding one.", valueName: "note"))
        var edit: String?
        @Option(help: ArgumentHelp("Delete this note.", valueName: "note"))
        var delete: String?
        @Argument(help: "ARTICLE TEXT to add a note; TEXT with --edit; nothing with --delete.")
        var arguments: [String] = []
        @OptionGroup var output: OutputOptions

        func validate() throws {
            switch (edit, delete) {
            case (.some, .some):
                throw ValidationError("use --edit or --delete, not both")
            case (.some, nil):
                guard arguments.count == 1 else { throw ValidationError("--edit takes the new text as one argument") }
            case (nil, .some):
                guard arguments.isEmpty else { throw ValidationError("--delete takes no other argument") }
            case (nil, nil):
                guard arguments.count == 2 else {
                    throw ValidationError("give the article and the note's text as two arguments (quote the text)")
                }
            }
        }

        func run() throws {
            let opened = try replica.open()
            let (action, id): (String, String)
            if let edit {
                (action, id) = ("edited", try opened.editNote(edit, body: arguments[0]))
            } else if let delete {
                (action, id) = ("deleted", try opened.deleteNote(delete))
            } else {
                (action, id) = ("added", try opened.addNote(arguments[0], body: arguments[1]))
            }
            if output.json { return Output.json(["note": id, "action": action]) }
            if action == "added" { Output.line(id) } else { Output.line("Note \(id) \(action).") }
        }
    }

    struct Notes: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "notes", abstract: "List notes, of one article or of all.")

        @OptionGroup var replica: ReplicaOptions
        @Argument(help: "An article's id or unique prefix.")
        var article: String?
        @OptionGroup var output: OutputOptions

        func run() throws {
            let notes = try replica.open().notes(article: article)
            if output.json { return Output.json(notes) }
            if notes.isEmpty { return Output.line("No notes.") }
            // Threads: each reply under the note it answers, when that note is live.
            let live = Set(notes.map(\.id))
            var replies: [String: [NoteRecord]] = [:]
            for note in notes { if let parent = note.replyTo, live.contains(parent) { replies[parent, default: []].append(note) } }
            func show(_ note: NoteRecord, depth: Int) {
                let flag = note.conflicted ? "  (conflict)" : ""
                let indent = String(repeating: "  ↳ ", count: min(depth, 1)) + String(repeating: "    ", count: max(0, depth - 1))
                let orphan = note.replyTo != nil && depth == 0 ? "(reply to a deleted note) " : ""
                Output.line(
                    "\(indent)\(Output.short(note.id))  \(Output.column(note.article, 22)) \(note.updatedBy): \(orphan)\(note.body)\(flag)")
                guard depth < 32 else { return }
                for reply in replies[note.id] ?? [] { show(reply, depth: depth + 1) }
            }
            for note in notes where note.replyTo.map({ !live.contains($0) }) ?? true { show(note, depth: 0) }
        }
    }
}
