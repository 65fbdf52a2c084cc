import ArgumentParser
import Replica
import SyncCore

extension Annot {
    struct Agree: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "agree",
            abstract: "Measure how far coders agree, per code and overall.",
            discussion: """
                For codes on whole articles, the units are the articles at least one coder marked \
                done ('annot done'). A coder's value is whether they applied the code; a coder \
                who has not marked the article done is missing data, not "no". Printed: \
                Krippendorff's alpha (nominal), Fleiss' kappa (over the articles every coder \
                marked done), percent agreement and Cohen's kappa per pair, each with the units \
                and values behind it; a figure the data leaves undefined says why.

                For coded spans: per pair of coders, on the articles both marked done, the F1 of \
                exactly matching spans and of overlapping spans.

                docs/agreement.md gives every formula.

                Examples:
                  annot agree
                  annot agree --tag precondition --users alice,bob
                  annot agree --json
                """
        )

        @OptionGroup var replica: ReplicaOptions
        @Option(help: "Only this code (repeatable); every code used by default.")
        var tag: [String] = []
        @OptionGroup var coders: CoderOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let report = try replica.open().agreement(tags: tag, users: coders.coders)
            if output.json { return Output.json(report) }
            Output.line(
                "\(report.coders.count) coder\(report.coders.count == 1 ? "" : "s") (\(report.coders.joined(separator: ", "))), "
                    + "\(report.units) article\(report.units == 1 ? "" : "s") marked done by at least one")
            if report.coders.count < 2 { Output.line("agreement needs two coders or more") }
            for code in report.codes {
                Output.line("")
                Output.line(code.code)
                Self.print(code.articles, spans: code.spans)
            }
            if report.codes.count > 1 {
                Output.line("")
                Output.line("overall (every article and code as one unit)")
                Self.print(report.overall, spans: report.overallSpans)
            }
        }

        static func print(_ figures: AgreementReport.Figures, spans: [AgreementReport.SpanPair]) {
            Output.line("  alpha      \(describe(figures.alpha, values: true))")
            Output.line("  Fleiss     \(describe(figures.fleiss, values: false))")
            Output.line("  agreement  \(describe(figures.percent, values: true))")
            for pair in figures.pairs {
                Output.line("  kappa      \(pair.first)/\(pair.second): \(describe(pair.kappa, values: false))")
            }
            for pair in spans where pair.exact.values > 0 {
                Output.line(
                    "  spans      \(pair.first)/\(pair.second): exact \(pair.exact.formatted), overlapping \(pair.overlap.formatted) "
                        + "(\(pair.exact.units) article\(pair.exact.units == 1 ? "" : "s"), \(pair.exact.values) spans)")
            }
        }

        static func describe(_ figure: AgreementFigure, values: Bool) -> String {
            let units = "\(figure.units) unit\(figure.units == 1 ? "" : "s")"
            return "\(figure.formatted) (\(units)\(values ? ", \(figure.values) values" : ""))"
        }
    }
}
