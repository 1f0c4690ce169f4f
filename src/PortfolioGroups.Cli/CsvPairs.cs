namespace PortfolioGroups.Cli;

/// <summary>
/// The CSV files of <c>import</c>: one <c>group,portfolio</c> pair a line, by unique identifiers; an
/// optional header line <c>group,portfolio</c> (the format and its errors: <see cref="CsvFile"/>).
/// </summary>
internal static class CsvPairs
{
    private static readonly string[] Header = ["group", "portfolio"];

    /// <summary>The pairs, read as they are asked for.</summary>
    public static IEnumerable<(PortfolioGroupRef Group, PortfolioRef Portfolio)> Read(string path, CancellationToken ct) =>
        CsvFile.Read(path, Header, minFields: 2, ct).Select(line => ((PortfolioGroupRef)line.Fields[0], (PortfolioRef)line.Fields[1]));

    /// <summary>Reads the whole file once, checking every line, and counts the pairs.</summary>
    public static long Count(string path, CancellationToken ct) => CsvFile.Read(path, Header, minFields: 2, ct).LongCount();

    /// <summary>The line number of the pair at <paramref name="index"/> (from 0).</summary>
    public static long LineOf(string path, long index, CancellationToken ct) => CsvFile.Read(path, Header, minFields: 2, ct).Skip(checked((int)index)).First().Number;
}

/// <summary>
/// The CSV files of <c>portfolios import</c>: one portfolio a line, <c>unique_identifier,display_name</c>
/// (the display name may be empty or left out); an optional header line <c>unique_identifier,display_name</c>.
/// </summary>
internal static class CsvPortfolios
{
    private static readonly string[] Header = ["unique_identifier", "display_name"];

    /// <summary>The portfolios, read as they are asked for; an empty display name is none.</summary>
    public static IEnumerable<PortfolioUpsert> Read(string path, CancellationToken ct) =>
        CsvFile.Read(path, Header, minFields: 1, ct).Select(line =>
            new PortfolioUpsert(line.Fields[0], line.Fields.Length > 1 && !string.IsNullOrWhiteSpace(line.Fields[1]) ? line.Fields[1] : null));

    /// <summary>Reads the whole file once, checking every line, and counts the portfolios.</summary>
    public static long Count(string path, CancellationToken ct) => CsvFile.Read(path, Header, minFields: 1, ct).LongCount();

    /// <summary>The line number of the portfolio at <paramref name="index"/> (from 0).</summary>
    public static long LineOf(string path, long index, CancellationToken ct) => CsvFile.Read(path, Header, minFields: 1, ct).Skip(checked((int)index)).First().Number;
}
