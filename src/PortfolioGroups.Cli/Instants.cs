using System.CommandLine;
using System.Globalization;

namespace PortfolioGroups.Cli;

/// <summary>Options that take an instant: an RFC 3339 time with its offset, parsed before the database is opened.</summary>
internal static class Instants
{
    /// <summary>An option holding an instant; a value that is not one is a usage error (exit 2) naming the option.</summary>
    public static Option<DateTimeOffset?> Option(string name, string description) => new(name)
    {
        Description = description + " An RFC 3339 instant with its offset, e.g. 2026-06-30T00:00:00Z.",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (TryParse(text, out var instant))
            {
                return instant;
            }

            result.AddError($"{name} '{text}' is not an instant: give an RFC 3339 time with its offset, such as 2026-06-30T00:00:00Z or 2026-06-30T09:30:00+02:00");
            return null;
        },
    };

    /// <summary>
    /// An RFC 3339 date-time (a 'T' or a space between date and time, seconds required, fractions
    /// optional) with an offset, 'Z' or ±hh:mm. A time without an offset is refused: which zone it
    /// meant is a guess.
    /// </summary>
    public static bool TryParse(string text, out DateTimeOffset instant)
    {
        string[] formats =
        [
            "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
            "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
        ];
        instant = default;
        var trimmed = text.Trim();
        var hasOffset = trimmed.EndsWith('Z') || trimmed.EndsWith('z')
            || (trimmed.Length > 6 && trimmed[^6] is '+' or '-' && trimmed[^3] == ':');
        return hasOffset
            && DateTimeOffset.TryParseExact(trimmed.ToUpperInvariant(), formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out instant);
    }

    /// <summary>The instant as RFC 3339 in UTC, as the tool prints every instant.</summary>
    public static string Format(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture);
}
