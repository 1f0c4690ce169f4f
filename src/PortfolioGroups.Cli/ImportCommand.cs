using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace PortfolioGroups.Cli;

/// <summary><c>import FILE.csv</c>: group,portfolio pairs through AddManyAsync, in one transaction.</summary>
internal static partial class ImportCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A CSV file of group,portfolio pairs (unique identifiers); an optional header line group,portfolio." };
        var import = new Command("import", "Add the memberships listed in a CSV file, all in one transaction: every pair, or none.") { file };
        import.SetAction((parse, ct) => ImportAsync(parse, parse.GetRequiredValue(file), ct));
        return import;
    }

    /// <summary>
    /// What every importing verb does: check the whole file (a malformed line names itself and the
    /// database is left alone), open the store, stream the rows in one call with a progress bar on a
    /// terminal, and print one summary line (or JSON). A refused row names its line; nothing is written.
    /// </summary>
    /// <param name="parse">The command line.</param>
    /// <param name="path">The CSV file.</param>
    /// <param name="what">What a record is, for the summary: "pair", "portfolio".</param>
    /// <param name="count">Reads and checks the whole file, returning the number of records.</param>
    /// <param name="lineOf">The file's line number of the record at a position (from 0).</param>
    /// <param name="import">Writes the file's records through the library, reporting progress.</param>
    /// <param name="ct">Cancels the import; nothing is written.</param>
    public static async Task<int> RunAsync(
        ParseResult parse,
        string path,
        string what,
        Func<long> count,
        Func<long, long> lineOf,
        Func<PortfolioStore, IProgress<long>?, Task<(string Name, long Value)[]>> import,
        CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        var total = count();
        await using var store = await Settings.OpenAsync(parse, OpenFor.Use, ct);

        var json = Output.IsJson(parse);
        (string Name, long Value)[] counts;
        using (var bar = !json && !Console.IsOutputRedirected ? new ProgressBar(total, what) : null)
        {
            try
            {
                counts = await import(store, bar);
            }
            catch (RowNotFoundException ex)
            {
                throw new CliException(ExitCodes.NotFound, $"{ex.Message} Nothing was imported.");
            }
            catch (InvalidValueException ex) when (RowPosition().Match(ex.Field) is { Success: true } match)
            {
                // The library names the row by its position in the input; the user knows the file's lines.
                var line = lineOf(long.Parse(match.Groups["index"].Value, CultureInfo.InvariantCulture));
                var field = match.Groups["field"].Value;
                throw CsvFile.Malformed(path, line, $"{(field.Length == 0 ? "" : field + " ")}{ex.Reason.TrimEnd('.')}");
            }

            bar?.Complete();
        }

        if (json)
        {
            await Output.WriteJsonAsync(
                writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteNumber(what + "s", total);
                    foreach (var (name, value) in counts)
                    {
                        writer.WriteNumber(name, value);
                    }

                    writer.WriteEndObject();
                    return Task.CompletedTask;
                },
                ct);
        }
        else
        {
            var done = string.Join(", ", counts.Select(c => $"{c.Value} {c.Name.Replace('_', ' ')}"));
            await Output.Text.WriteLineAsync(
                string.Create(CultureInfo.InvariantCulture, $"Imported {total} {what}(s) from {Path.GetFileName(path)}: {done} ({stopwatch.Elapsed.TotalSeconds:0.0} s)."));
        }

        return ExitCodes.Success;
    }

    private static async Task<int> ImportAsync(ParseResult parse, string path, CancellationToken ct) =>
        await RunAsync(
            parse,
            path,
            "pair",
            () => CsvPairs.Count(path, ct),
            index => CsvPairs.LineOf(path, index, ct),
            async (store, progress) =>
            {
                var result = await PortfolioGroupMembership.AddManyAsync(store, CsvPairs.Read(path, ct), progress, ct);
                return [("added", result.Added), ("already_present", result.AlreadyPresent)];
            },
            ct);

    [GeneratedRegex(@"^\w+\[(?<index>\d+)\]\.?(?<field>.*)$")]
    private static partial Regex RowPosition();

    /// <summary>A one-line bar on the terminal, redrawn as batches land; nothing when output is redirected.</summary>
    private sealed class ProgressBar(long total, string what) : IProgress<long>, IDisposable
    {
        private const int Width = 40;
        private int _lastDrawn = -1;

        public void Report(long value)
        {
            var fraction = total == 0 ? 1.0 : Math.Min(1.0, (double)value / total);
            var percent = (int)(fraction * 100);
            if (percent == _lastDrawn)
            {
                return;
            }

            _lastDrawn = percent;
            var filled = (int)(fraction * Width);
            Console.Write($"\r[{new string('#', filled)}{new string('.', Width - filled)}] {percent,3}% {value}/{total} {what}s");
        }

        public void Complete()
        {
            Report(total);
            Console.WriteLine();
        }

        public void Dispose()
        {
            // An interrupted import leaves the cursor on a fresh line for the error that follows.
            if (_lastDrawn is >= 0 and < 100)
            {
                Console.WriteLine();
            }
        }
    }
}
