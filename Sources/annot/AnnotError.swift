/// A failure of the command line itself (not of the replica), printed as one line.
struct AnnotError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
