using System.CommandLine;
using System.Diagnostics;

namespace PortfolioGroups.Cli;

/// <summary><c>import FILE.csv</c>: group,portfolio pairs through AddManyAsync, in one transaction.</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A CSV file of group,portfolio pairs (unique identifiers); an optional header line group,portfolio." };
        var import = new Command("import", "Add the memberships listed in a CSV file, all in one transaction: every pair, or none.") { file };
        import.SetAction((parse, ct) => ImportAsync(parse, parse.GetRequiredValue(file), ct));
        return import;
    }

    private static async Task<int> ImportAsync(ParseResult parse, string path, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();

        // The whole file is checked before anything is written: a malformed line names itself and the database is left alone.
        var total = await CsvPairs.CountAsync(path, ct);
        await using var store = await Settings.OpenAsync(parse, forMigrate: false, ct);

        var json = Output.IsJson(parse);
        using var bar = !json && !Console.IsOutputRedirected ? new ProgressBar(total) : null;
        var result = await PortfolioGroupMembership.AddManyAsync(store, CsvPairs.ReadAsync(path, ct), bar, ct);
        bar?.Complete();

        if (json)
        {
            await Output.WriteJsonAsync(
                writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("pairs", total);
                    writer.WriteNumber("added", result.Added);
                    writer.WriteNumber("already_present", result.AlreadyPresent);
                    writer.WriteEndObject();
                    return Task.CompletedTask;
                },
                ct);
        }
        else
        {
            await Output.Text.WriteLineAsync(
                $"Imported {total} pair(s) from {Path.GetFileName(path)}: {result.Added} added, {result.AlreadyPresent} already present ({stopwatch.Elapsed.TotalSeconds:0.0} s).");
        }

        return ExitCodes.Success;
    }

    /// <summary>A one-line bar on the terminal, redrawn as batches land; nothing when output is redirected.</summary>
    private sealed class ProgressBar(long total) : IProgress<long>, IDisposable
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
            Console.Write($"\r[{new string('#', filled)}{new string('.', Width - filled)}] {percent,3}% {value}/{total} pairs");
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
