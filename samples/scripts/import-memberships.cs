#:package PortfolioGroups.Core@0.1.0

// Imports group,portfolio pairs from a CSV file into the memberships, in one transaction, with
// PortfolioGroupMembership.AddManyAsync. The groups and portfolios must exist already.
//
//   dotnet run samples/scripts/import-memberships.cs -- memberships.csv [--connection "Data Source=portfolios.db"] [--provider sqlite|postgres]
//
// The file: one pair per line, `group,portfolio` (unique identifiers), an optional header line
// `group,portfolio`, fields optionally in double quotes (a quote inside quotes doubled), blank lines
// skipped: the format `portfolio-groups import` reads. The file is read as it is imported, never held
// whole in memory. A malformed line, or a pair naming a group or portfolio that does not exist, fails
// the import and nothing is written.
//
// A pair named twice is added once. On a terminal a progress bar is redrawn as batches land; when the
// output is redirected (a pipe, a file, CI) only the summary line is printed.
// Exit codes: 0 imported, 1 bad input or data (nothing written), 2 bad usage.
using System.Text;
using PortfolioGroups;

string? file = null;
var connectionString = "Data Source=portfolios.db";
var provider = "sqlite";
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--connection" when i + 1 < args.Length:
            connectionString = args[++i];
            break;
        case "--provider" when i + 1 < args.Length && args[i + 1] is "sqlite" or "postgres":
            provider = args[++i];
            break;
        case var argument when !argument.StartsWith("--", StringComparison.Ordinal) && file is null:
            file = argument;
            break;
        default:
            return Fail(2, $"unexpected argument '{args[i]}'. Usage: import-memberships.cs FILE.csv [--connection CS] [--provider sqlite|postgres]");
    }
}

if (file is null)
{
    return Fail(2, "no file given. Usage: import-memberships.cs FILE.csv [--connection CS] [--provider sqlite|postgres]");
}

if (!File.Exists(file))
{
    return Fail(2, $"file not found: {file}");
}

try
{
    await using var store = provider == "postgres"
        ? await PortfolioStore.OpenPostgresAsync(connectionString)
        : await PortfolioStore.OpenSqliteAsync(connectionString);

    var total = CountPairs(file);
    var bar = Console.IsOutputRedirected ? null : new ProgressBar(total);
    var result = await PortfolioGroupMembership.AddManyAsync(store, ReadPairsAsync(file), bar);
    bar?.Finish();

    Console.WriteLine($"Imported {Path.GetFileName(file)}: {total:N0} pairs read, {result.Added:N0} added, {result.AlreadyPresent:N0} already present.");
    return 0;
}
catch (Exception ex) when (ex is PortfolioGroupsException or MalformedLineException or ArgumentException)
{
    if (!Console.IsOutputRedirected)
    {
        Console.WriteLine();
    }

    return Fail(1, $"{ex.Message} Nothing was imported.");
}

static int Fail(int exitCode, string message)
{
    Console.Error.WriteLine($"import-memberships: {message}");
    return exitCode;
}

// The number of pairs in the file, for the progress bar: one quick pass that counts, stores nothing.
static long CountPairs(string path)
{
    long count = 0;
    var lineNumber = 0;
    foreach (var line in File.ReadLines(path))
    {
        lineNumber++;
        if (!string.IsNullOrWhiteSpace(line) && !(lineNumber == 1 && IsHeader(line)))
        {
            count++;
        }
    }

    return count;
}

// Streams the pairs as AddManyAsync asks for them; a malformed line ends the stream with an error
// naming the line, and AddManyAsync rolls its transaction back.
static async IAsyncEnumerable<(PortfolioGroupRef Group, PortfolioRef Portfolio)> ReadPairsAsync(string path)
{
    using var reader = new StreamReader(path, Encoding.UTF8);
    var lineNumber = 0;
    while (await reader.ReadLineAsync() is { } line)
    {
        lineNumber++;
        if (string.IsNullOrWhiteSpace(line) || (lineNumber == 1 && IsHeader(line)))
        {
            continue;
        }

        var fields = SplitCsvLine(line, lineNumber);
        if (fields.Count != 2 || fields[0].Trim().Length == 0 || fields[1].Trim().Length == 0)
        {
            throw new MalformedLineException($"line {lineNumber} is not a group,portfolio pair: '{line}'.");
        }

        yield return (fields[0], fields[1]);
    }
}

static bool IsHeader(string line) => line.Replace(" ", "", StringComparison.Ordinal).Equals("group,portfolio", StringComparison.OrdinalIgnoreCase);

// One CSV line (RFC 4180 fields; a line break inside quotes is not supported: pairs are identifiers).
static List<string> SplitCsvLine(string line, int lineNumber)
{
    var fields = new List<string>();
    var field = new StringBuilder();
    var quoted = false;
    for (var i = 0; i < line.Length; i++)
    {
        var c = line[i];
        if (quoted)
        {
            if (c != '"')
            {
                field.Append(c);
            }
            else if (i + 1 < line.Length && line[i + 1] == '"')
            {
                field.Append('"');
                i++;
            }
            else
            {
                quoted = false;
            }
        }
        else if (c == '"' && field.Length == 0)
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

    if (quoted)
    {
        throw new MalformedLineException($"line {lineNumber} has an unclosed quote: '{line}'.");
    }

    fields.Add(field.ToString());
    return fields;
}

/// <summary>A malformed line in the input file.</summary>
sealed class MalformedLineException(string message) : Exception(message);

/// <summary>A one-line bar, redrawn in place with a carriage return, fed with the rows consumed so far.</summary>
sealed class ProgressBar(long total) : IProgress<long>
{
    private const int Width = 30;
    private long _shown = -1;

    public void Report(long value)
    {
        _shown = value;
        var fraction = total == 0 ? 1 : Math.Min(1, (double)value / total);
        var filled = (int)(fraction * Width);
        Console.Write($"\r[{new string('#', filled)}{new string('.', Width - filled)}] {value:N0}/{total:N0} pairs");
    }

    public void Finish()
    {
        if (_shown != total)
        {
            Report(total);
        }

        Console.WriteLine();
    }
}
