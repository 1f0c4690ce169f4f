#:package PortfolioGroups.Core@0.1.0

// Imports group,portfolio pairs from a CSV file into the memberships, in one transaction, with
// PortfolioGroupMembership.AddManyAsync. The groups and portfolios must exist already.
//
//   dotnet run samples/scripts/import-memberships.cs -- memberships.csv [--connection "Data Source=portfolios.db"] [--provider sqlite|postgres]
//
// It reads and answers as `portfolio-groups import` does (docs/cli.md): the same file format, the
// same summary line and the same exit codes, so either can run in the same job.
//
// The file: one pair per line, `group,portfolio` (unique identifiers), an optional header line
// `group,portfolio`, fields optionally in double quotes (a quote inside quotes doubled), blank lines
// skipped, UTF-8 text. The whole file is checked before the database is touched; then it is read
// again as it is imported, never held whole in memory. A malformed line (or one that is not UTF-8)
// fails the import naming the line; a pair naming a group or portfolio that does not exist fails it
// naming the missing references; either way nothing is written.
//
// A pair named twice is added once. On a terminal a progress bar is redrawn as batches land; when the
// output is redirected (a pipe, a file, CI) only the summary line is printed.
// Exit codes: 0 imported; 2 bad usage; 3 bad input (a malformed or unreadable file, an invalid value);
// 4 a named group or portfolio does not exist; 5 the database cannot be reached or opened;
// 1 anything else. Nothing is written unless the exit code is 0.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
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

var stopwatch = Stopwatch.StartNew();
ProgressBar? bar = null;
try
{
    // The whole file is checked first: a malformed line names itself and the database is left alone.
    var total = Csv.ReadPairs(file).LongCount();

    await using var store = provider == "postgres"
        ? await PortfolioStore.OpenPostgresAsync(connectionString)
        : await PortfolioStore.OpenSqliteAsync(connectionString);

    bar = Console.IsOutputRedirected ? null : new ProgressBar(total);
    var result = await PortfolioGroupMembership.AddManyAsync(store, Csv.ReadPairs(file), bar);
    bar?.Finish();

    Console.WriteLine($"Imported {total} pair(s) from {Path.GetFileName(file)}: {result.Added} added, {result.AlreadyPresent} already present ({stopwatch.Elapsed.TotalSeconds:0.0} s).");
    return 0;
}
catch (Exception ex)
{
    bar?.Interrupt();
    var (code, message) = ex switch
    {
        BadInputException => (3, ex.Message),
        RowNotFoundException => (4, $"{ex.Message} Nothing was imported."),
        // The library names a bad pair by its position in the input; the file's line is what a user can find.
        InvalidValueException invalid when Csv.Position(invalid.Field) is { } at =>
            (3, $"{file} line {Csv.LineOf(file, at.Index)}: {(at.Field.Length == 0 ? "" : at.Field + " ")}{invalid.Reason.TrimEnd('.')}. Nothing was imported."),
        InvalidValueException or DuplicateKeyException => (3, $"{ex.Message} Nothing was imported."),
        TransientStorageException => (5, $"Cannot reach the database: {ex.Message}"),
        ArgumentException => (5, $"The connection string is not valid for {provider}: {ex.Message}"),
        _ => (1, $"{ex.Message} Nothing was imported."),
    };
    return Fail(code, message);
}

static int Fail(int exitCode, string message)
{
    Console.Error.WriteLine($"import-memberships: {string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))}");
    return exitCode;
}

/// <summary>Bad input the file itself holds (exit 3): the line is named, nothing was written.</summary>
sealed class BadInputException(string message) : Exception(message);

/// <summary>The CSV reading of `portfolio-groups import`.</summary>
static class Csv
{
    // Throws on a byte that is not UTF-8, instead of reading it as U+FFFD into an identifier.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // The pairs, as AddManyAsync asks for them. Lines are split on the raw bytes and each is decoded on
    // its own (a newline byte never occurs inside a UTF-8 sequence), so a bad byte names its own line.
    public static IEnumerable<(PortfolioGroupRef Group, PortfolioRef Portfolio)> ReadPairs(string path, Action<long>? lineNumbers = null)
    {
        using var stream = Open(path);
        long number = 0;
        var first = true;
        foreach (var bytes in RawLines(stream))
        {
            number++;
            string line;
            try
            {
                line = StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException ex)
            {
                var at = ex.Index >= 0 ? $" (byte {ex.Index + 1} of the line)" : "";
                throw Malformed(path, number, $"the text is not UTF-8{at}; save the file as UTF-8");
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var fields = Split(line, path, number);
            var isHeader = first && fields.Count == 2
                && fields[0].Trim().Equals("group", StringComparison.OrdinalIgnoreCase)
                && fields[1].Trim().Equals("portfolio", StringComparison.OrdinalIgnoreCase);
            first = false;
            if (isHeader)
            {
                continue;
            }

            if (fields.Count != 2)
            {
                throw Malformed(path, number, $"expected 2 fields (group,portfolio), found {fields.Count}");
            }

            if (string.IsNullOrWhiteSpace(fields[0]) || string.IsNullOrWhiteSpace(fields[1]))
            {
                throw Malformed(path, number, string.IsNullOrWhiteSpace(fields[0]) ? "the group is empty" : "the portfolio is empty");
            }

            lineNumbers?.Invoke(number);
            yield return (fields[0], fields[1]);
        }
    }

    // "pairs[3].Group" -> (3, "Group"): the position of a pair in the input, and its field.
    public static (int Index, string Field)? Position(string field) =>
        Regex.Match(field, @"^\w+\[(?<index>\d+)\]\.?(?<field>.*)$") is { Success: true } match
            ? (int.Parse(match.Groups["index"].Value, CultureInfo.InvariantCulture), match.Groups["field"].Value)
            : null;

    // The line of the file that holds the pair at a position (from 0): read again, on this error path only.
    public static long LineOf(string path, int index)
    {
        long number = 0;
        foreach (var _ in ReadPairs(path, lineNumbers: n => number = n).Skip(index).Take(1))
        {
        }

        return number;
    }

    private static BadInputException Malformed(string path, long number, string reason) =>
        new($"{path} line {number}: {reason}. Nothing was imported.");

    private static FileStream Open(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                throw new BadInputException($"Cannot read '{path}': it is a folder, not a file. Nothing was imported.");
            }

            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new BadInputException($"Cannot read '{path}': {ex.Message} Nothing was imported.");
        }
    }

    // The file's lines as bytes, without their line ends; a leading byte order mark is dropped.
    private static IEnumerable<byte[]> RawLines(Stream stream)
    {
        var buffer = new byte[1 << 16];
        var line = new MemoryStream();
        var start = true;
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            var from = 0;
            if (start)
            {
                start = false;
                if (read >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF)
                {
                    from = 3;
                }
            }

            while (from < read)
            {
                var newline = Array.IndexOf(buffer, (byte)'\n', from, read - from);
                if (newline < 0)
                {
                    line.Write(buffer, from, read - from);
                    break;
                }

                line.Write(buffer, from, newline - from);
                from = newline + 1;
                yield return Take(line);
            }
        }

        if (line.Length > 0)
        {
            yield return Take(line);
        }
    }

    private static byte[] Take(MemoryStream line)
    {
        var bytes = line.ToArray();
        line.SetLength(0);
        return bytes.Length > 0 && bytes[^1] == (byte)'\r' ? bytes[..^1] : bytes;
    }

    // One CSV line (RFC 4180 fields; a line break inside quotes is not supported: pairs are identifiers).
    private static List<string> Split(string line, string path, long number)
    {
        var fields = new List<string>(2);
        var field = new StringBuilder();
        var i = 0;
        while (true)
        {
            field.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        throw Malformed(path, number, "a quoted field is not closed");
                    }

                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    field.Append(line[i++]);
                }

                if (i < line.Length && line[i] != ',')
                {
                    throw Malformed(path, number, "text follows a closing quote");
                }
            }
            else
            {
                while (i < line.Length && line[i] != ',')
                {
                    if (line[i] == '"')
                    {
                        throw Malformed(path, number, "a quote inside an unquoted field");
                    }

                    field.Append(line[i++]);
                }
            }

            fields.Add(field.ToString());
            if (i >= line.Length)
            {
                return fields;
            }

            i++; // the comma
        }
    }
}

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
        _shown = -1;
    }

    // An interrupted import leaves the cursor on a fresh line for the error that follows.
    public void Interrupt()
    {
        if (_shown >= 0)
        {
            Console.WriteLine();
        }
    }
}
