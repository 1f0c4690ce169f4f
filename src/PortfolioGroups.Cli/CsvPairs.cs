using System.Runtime.CompilerServices;
using System.Text;

namespace PortfolioGroups.Cli;

/// <summary>
/// Reads a CSV file of <c>group,portfolio</c> pairs: one pair a line, by unique identifiers; an
/// optional header line <c>group,portfolio</c>; blank lines skipped; RFC 4180 quoting for an
/// identifier that holds a comma or a quote. A malformed line fails the whole file, naming it.
/// </summary>
internal static class CsvPairs
{
    public static async IAsyncEnumerable<(PortfolioGroupRef Group, PortfolioRef Portfolio)> ReadAsync(string path, [EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = Open(path);
        long lineNumber = 0;
        var first = true;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var fields = Split(line, path, lineNumber);
            var isHeader = first
                && string.Equals(fields[0].Trim(), "group", StringComparison.OrdinalIgnoreCase)
                && string.Equals(fields[1].Trim(), "portfolio", StringComparison.OrdinalIgnoreCase);
            first = false;
            if (!isHeader)
            {
                yield return (fields[0], fields[1]);
            }
        }
    }

    /// <summary>Reads the whole file once, checking every line, and counts the pairs.</summary>
    public static async Task<long> CountAsync(string path, CancellationToken ct)
    {
        long count = 0;
        await foreach (var _ in ReadAsync(path, ct))
        {
            count++;
        }

        return count;
    }

    private static StreamReader Open(string path)
    {
        try
        {
            return new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new CliException(ExitCodes.InvalidInput, $"Cannot read '{path}': {ex.Message}");
        }
    }

    private static string[] Split(string line, string path, long lineNumber)
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
                        throw Malformed(path, lineNumber, "a quoted field is not closed");
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
                    throw Malformed(path, lineNumber, "text follows a closing quote");
                }
            }
            else
            {
                while (i < line.Length && line[i] != ',')
                {
                    if (line[i] == '"')
                    {
                        throw Malformed(path, lineNumber, "a quote inside an unquoted field");
                    }

                    field.Append(line[i++]);
                }
            }

            fields.Add(field.ToString());
            if (i >= line.Length)
            {
                break;
            }

            i++; // the comma
        }

        if (fields.Count != 2)
        {
            throw Malformed(path, lineNumber, $"expected 2 fields (group,portfolio), found {fields.Count}");
        }

        if (string.IsNullOrWhiteSpace(fields[0]) || string.IsNullOrWhiteSpace(fields[1]))
        {
            throw Malformed(path, lineNumber, string.IsNullOrWhiteSpace(fields[0]) ? "the group is empty" : "the portfolio is empty");
        }

        return [.. fields];
    }

    private static CliException Malformed(string path, long lineNumber, string reason) =>
        new(ExitCodes.InvalidInput, $"{path} line {lineNumber}: {reason}. Nothing was imported.");
}
