using System.Globalization;
using System.Reflection;
using System.Text;
using BenchmarkDotNet.Attributes;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// One row of the side-by-side table: a case on one database, with the medians in milliseconds.
/// <see cref="Raw"/> is the fastest of the raw candidates (<see cref="RawCandidates"/>).
/// </summary>
public sealed record ComparisonRow(int Order, string Case, string Database, double? Library, double? Raw, double? EfCore)
{
    /// <summary>The median of the library's single-row call in a loop (method <c>Loop</c>), where measured.</summary>
    public double? Loop { get; init; }

    /// <summary>Every raw method measured (name starting with <c>Raw</c>) with its median, fastest first.</summary>
    public IReadOnlyList<(string Method, double Median)> RawCandidates { get; init; } = [];

    public double? LibraryToRaw => Library / Raw;

    public double? LibraryToEfCore => Library / EfCore;

    public double? LibraryToLoop => Library / Loop;
}

/// <summary>
/// Reads the CSV reports BenchmarkDotNet wrote for the <see cref="ComparisonAttribute"/> classes
/// (<c>BenchmarkDotNet.Artifacts/results/*-report.csv</c>) and turns them into one Markdown table,
/// or an SVG bar chart of the two ratios. Classes without the attribute are ignored.
/// </summary>
public static class ComparisonReport
{
    public const string DefaultResults = "BenchmarkDotNet.Artifacts/results";

    /// <summary>Every comparison row found in <paramref name="resultsDirectory"/>, in table order.</summary>
    public static IReadOnlyList<ComparisonRow> Read(string resultsDirectory)
    {
        var rows = new List<ComparisonRow>();
        foreach (var file in Directory.GetFiles(resultsDirectory, "*-report.csv").Order(StringComparer.Ordinal))
        {
            var typeName = Path.GetFileName(file)[..^"-report.csv".Length];
            var type = typeof(ComparisonReport).Assembly.GetType(typeName);
            if (type?.GetCustomAttribute<ComparisonAttribute>() is not { } comparison)
            {
                continue;
            }

            var lines = File.ReadAllLines(file).Where(l => l.Length > 0).Select(SplitCsv).ToList();
            var header = lines[0];
            int Column(string name) => Array.IndexOf(header, name);
            var method = Column("Method");
            var median = Array.FindIndex(header, h => h.StartsWith("Median [", StringComparison.Ordinal));
            if (method < 0 || median < 0)
            {
                throw new InvalidDataException($"{file} has no Method or 'Median [unit]' column; was it written with {nameof(ComparisonConfig)}?");
            }

            var toMilliseconds = MillisecondsPer(header[median]["Median [".Length..^1]);

            var parameters = type.GetProperties()
                .Where(p => p.IsDefined(typeof(ParamsAttribute)) || p.IsDefined(typeof(ParamsSourceAttribute)))
                .Select(p => p.Name)
                .Where(n => n != nameof(DatabaseBenchmark.Db))
                .ToList();
            var db = Column(nameof(DatabaseBenchmark.Db));
            foreach (var group in lines.Skip(1).GroupBy(l => (Case: Describe(comparison.Case, parameters.Select(p => l[Column(p)])), Db: db < 0 ? "sqlite" : l[db])))
            {
                var medians = group
                    .Select(l => (Method: l[method], Median: ParseMedian(l[median]) * toMilliseconds))
                    .Where(m => m.Median is not null)
                    .Select(m => (m.Method, Median: m.Median!.Value))
                    .ToList();
                double? Median(string side) => medians.Where(m => m.Method == side).Select(m => (double?)m.Median).FirstOrDefault();
                var raws = medians.Where(m => Sides.IsRaw(m.Method)).OrderBy(m => m.Median).ToList();

                rows.Add(new ComparisonRow(comparison.Order, group.Key.Case, DatabaseName(group.Key.Db), Median(Sides.Library), raws.Count > 0 ? raws[0].Median : null, Median(Sides.EfCore))
                {
                    Loop = Median(Sides.Loop),
                    RawCandidates = raws,
                });
            }
        }

        return rows.OrderBy(r => r.Order).ThenBy(r => r.Case, StringComparer.Ordinal).ThenBy(r => r.Database, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The Markdown table: case, database, the medians, and the library's ratio to each; loop columns
    /// only when some row has a loop; then a footnote per row whose raw median is the fastest of
    /// several raw methods, naming them.
    /// </summary>
    public static string Markdown(IReadOnlyList<ComparisonRow> rows)
    {
        var loops = rows.Any(r => r.Loop is not null);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"| case | database | library median | raw median | EF Core median |{(loops ? " loop median |" : "")} library / raw | library / EF Core |{(loops ? " library / loop |" : "")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"|---|---|--:|--:|--:|{(loops ? "--:|" : "")}--:|--:|{(loops ? "--:|" : "")}");
        foreach (var row in rows)
        {
            var loop = loops ? $" {Ms(row.Loop)} |" : "";
            var loopRatio = loops ? $" {Ratio(row.LibraryToLoop)} |" : "";
            text.AppendLine(CultureInfo.InvariantCulture, $"| {row.Case} | {row.Database} | {Ms(row.Library)} | {Ms(row.Raw)} | {Ms(row.EfCore)} |{loop} {Ratio(row.LibraryToRaw)} | {Ratio(row.LibraryToEfCore)} |{loopRatio}");
        }

        var several = rows.Where(r => r.RawCandidates.Count > 1).ToList();
        if (several.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Raw median: the fastest raw method of the case. Where a case measured several:");
            text.AppendLine();
            foreach (var row in several)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- {row.Case} ({row.Database}): `{row.RawCandidates[0].Method}`, fastest of {string.Join(", ", row.RawCandidates.Select(c => $"`{c.Method}` {Ms(c.Median)}"))}");
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// A horizontal bar chart of library / raw and library / EF Core per row (and library / loop,
    /// when some row has a loop), on a log scale with a line at 1 (left of it the library is faster).
    /// </summary>
    public static string Svg(IReadOnlyList<ComparisonRow> rows)
    {
        const int labelWidth = 430, plotWidth = 420, barHeight = 9, top = 50, right = 60;
        var loops = rows.Any(r => r.Loop is not null);
        var rowHeight = loops ? 41 : 30;
        var ratios = rows.SelectMany(r => new[] { r.LibraryToRaw, r.LibraryToEfCore, r.LibraryToLoop }).OfType<double>().Where(v => v > 0).ToList();
        var min = Math.Pow(2, Math.Floor(Math.Log2(Math.Min(0.5, ratios.DefaultIfEmpty(1).Min()))));
        var max = Math.Pow(2, Math.Ceiling(Math.Log2(Math.Max(2, ratios.DefaultIfEmpty(1).Max()))));
        double X(double ratio) => labelWidth + (Math.Log2(Math.Clamp(ratio, min, max)) - Math.Log2(min)) / (Math.Log2(max) - Math.Log2(min)) * plotWidth;
        var height = top + (rows.Count * rowHeight) + 40;
        var width = labelWidth + plotWidth + right;

        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">Library time / other time (median; log scale; left of 1 the library is faster)</text>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<rect x=\"10\" y=\"30\" width=\"10\" height=\"10\" fill=\"#3b6ea8\"/><text x=\"25\" y=\"39\">library / raw ADO.NET</text>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<rect x=\"190\" y=\"30\" width=\"10\" height=\"10\" fill=\"#e08a2c\"/><text x=\"205\" y=\"39\">library / EF Core</text>");
        if (loops)
        {
            svg.AppendLine(CultureInfo.InvariantCulture, $"<rect x=\"330\" y=\"30\" width=\"10\" height=\"10\" fill=\"#6a9f58\"/><text x=\"345\" y=\"39\">library / loop of single adds</text>");
        }

        for (var tick = min; tick <= max * 1.0001; tick *= 2)
        {
            var x = X(tick);
            svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{x:F1}\" y1=\"{top}\" x2=\"{x:F1}\" y2=\"{height - 30}\" stroke=\"{(Math.Abs(tick - 1) < 1e-9 ? "#000" : "#ddd")}\"/>");
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{x:F1}\" y=\"{height - 14}\" text-anchor=\"middle\">{tick.ToString("0.###", CultureInfo.InvariantCulture)}</text>");
        }

        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var y = top + (i * rowHeight) + 5;
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth - 8}\" y=\"{y + barHeight + 4}\" text-anchor=\"end\">{Escape(row.Case)} ({row.Database})</text>");
            Bar(row.LibraryToRaw, y, "#3b6ea8");
            Bar(row.LibraryToEfCore, y + barHeight + 2, "#e08a2c");
            Bar(row.LibraryToLoop, y + (2 * (barHeight + 2)), "#6a9f58");
        }

        svg.AppendLine("</svg>");
        return svg.ToString();

        void Bar(double? ratio, int y, string colour)
        {
            if (ratio is not { } r || r <= 0)
            {
                return;
            }

            var one = X(1);
            var end = X(r);
            svg.AppendLine(CultureInfo.InvariantCulture, $"<rect x=\"{Math.Min(one, end):F1}\" y=\"{y}\" width=\"{Math.Max(1, Math.Abs(end - one)):F1}\" height=\"{barHeight}\" fill=\"{colour}\"/>");
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{Math.Max(one, end) + 4:F1}\" y=\"{y + barHeight - 1}\" font-size=\"10\">{r.ToString("0.00", CultureInfo.InvariantCulture)}</text>");
        }
    }

    private static double MillisecondsPer(string unit) => unit switch
    {
        "ns" => 1e-6,
        "us" or "μs" or "µs" => 1e-3,
        "ms" => 1,
        "s" => 1e3,
        _ => throw new InvalidDataException($"Unknown time unit '{unit}' in a BenchmarkDotNet CSV."),
    };

    /// <summary>A median cell of the CSV; BenchmarkDotNet groups thousands with a comma or a space ("36,372.28", "4 316.413"), and writes "NA" for a failed case.</summary>
    private static double? ParseMedian(string cell) =>
        double.TryParse(new string([.. cell.Where(c => c is not (',' or ' ' or '\u00a0'))]), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    private static string Describe(string @case, IEnumerable<string> parameterValues)
    {
        var values = parameterValues.ToList();
        return values.Count == 0 ? @case : $"{@case}: {string.Join(", ", values)}";
    }

    private static string DatabaseName(string db) => db switch
    {
        BenchDatabase.Postgres => "PostgreSQL",
        BenchDatabase.Sqlite => "SQLite",
        _ => db,
    };

    private static string Ms(double? value) => value switch
    {
        null => "–",
        >= 100 => value.Value.ToString("N0", CultureInfo.InvariantCulture) + " ms",
        >= 1 => value.Value.ToString("N2", CultureInfo.InvariantCulture) + " ms",
        _ => (value.Value * 1000).ToString("N0", CultureInfo.InvariantCulture) + " µs",
    };

    private static string Ratio(double? value) => value is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) : "–";

    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>Splits one CSV line as BenchmarkDotNet writes it (fields with a comma or quote are quoted, quotes doubled).</summary>
    private static string[] SplitCsv(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return [.. fields];
    }
}
