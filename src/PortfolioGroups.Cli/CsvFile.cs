using System.Text;

namespace PortfolioGroups.Cli;

/// <summary>
/// Reads the CSV files the importing verbs take: one record a line, RFC 4180 quoting for a field
/// that holds a comma or a quote, blank lines skipped, an optional header line. The file must be
/// UTF-8 (a byte order mark is allowed); a line that is not, or that is malformed, fails the whole
/// file with its line number (exit 3), so nothing is written.
/// </summary>
/// <remarks>
/// Lines are split on the raw bytes and each line is decoded on its own with a decoder that throws:
/// a newline byte never occurs inside a UTF-8 sequence, so the line that holds a bad byte is the line
/// named. Nothing is replaced by U+FFFD and read as an identifier.
/// </remarks>
internal static class CsvFile
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>One non-blank line of the file: its number (from 1) and its fields.</summary>
    public readonly record struct Line(long Number, string[] Fields);

    /// <summary>
    /// The records of <paramref name="path"/>, each with <paramref name="minFields"/> to
    /// <paramref name="header"/>.Length fields; a first line equal to the header is skipped.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="header">The names of the fields, as the optional header line spells them.</param>
    /// <param name="minFields">How many of the fields a line must have (the rest may be left out).</param>
    /// <param name="ct">Checked at every line.</param>
    public static IEnumerable<Line> Read(string path, string[] header, int minFields, CancellationToken ct)
    {
        using var stream = Open(path);
        var first = true;
        foreach (var (number, bytes) in RawLines(stream, path))
        {
            ct.ThrowIfCancellationRequested();
            var text = Decode(bytes, path, number);
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var fields = Split(text, path, number);
            var isHeader = first
                && fields.Count == header.Length
                && fields.Select(f => f.Trim()).SequenceEqual(header, StringComparer.OrdinalIgnoreCase);
            first = false;
            if (isHeader)
            {
                continue;
            }

            if (fields.Count < minFields || fields.Count > header.Length)
            {
                var expected = minFields == header.Length ? $"{header.Length}" : $"{minFields} or {header.Length}";
                throw Malformed(path, number, $"expected {expected} fields ({string.Join(',', header)}), found {fields.Count}");
            }

            for (var i = 0; i < minFields; i++)
            {
                if (string.IsNullOrWhiteSpace(fields[i]))
                {
                    throw Malformed(path, number, $"the {header[i]} is empty");
                }
            }

            yield return new Line(number, [.. fields]);
        }
    }

    /// <summary>A line the file's format refuses: exit 3, naming the file and line.</summary>
    public static CliException Malformed(string path, long lineNumber, string reason) =>
        new(ExitCodes.InvalidInput, $"{path} line {lineNumber}: {reason}. Nothing was imported.");

    private static FileStream Open(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                throw new CliException(ExitCodes.InvalidInput, $"Cannot read '{path}': it is a folder, not a file. Nothing was imported.");
            }

            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CliException(ExitCodes.InvalidInput, $"Cannot read '{path}': {ex.Message} Nothing was imported.");
        }
    }

    /// <summary>The file's lines as bytes (without the line end), numbered from 1; a leading byte order mark is dropped.</summary>
    private static IEnumerable<(long Number, byte[] Bytes)> RawLines(FileStream stream, string path)
    {
        var buffer = new byte[1 << 16];
        var line = new MemoryStream();
        long number = 0;
        var start = true;
        int read;
        while ((read = ReadChunk(stream, buffer, path)) > 0)
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
                yield return (++number, TakeLine(line));
            }
        }

        if (line.Length > 0)
        {
            yield return (++number, TakeLine(line));
        }
    }

    private static int ReadChunk(FileStream stream, byte[] buffer, string path)
    {
        try
        {
            return stream.Read(buffer, 0, buffer.Length);
        }
        catch (IOException ex)
        {
            throw new CliException(ExitCodes.InvalidInput, $"Cannot read '{path}': {ex.Message} Nothing was imported.");
        }
    }

    private static byte[] TakeLine(MemoryStream line)
    {
        var bytes = line.ToArray();
        line.SetLength(0);
        return bytes.Length > 0 && bytes[^1] == (byte)'\r' ? bytes[..^1] : bytes;
    }

    private static string Decode(byte[] bytes, string path, long number)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            var at = ex.Index >= 0 ? $" (byte {ex.Index + 1} of the line)" : "";
            throw Malformed(path, number, $"the text is not UTF-8{at}; save the file as UTF-8");
        }
    }

    private static List<string> Split(string line, string path, long lineNumber)
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

        return fields;
    }
}
