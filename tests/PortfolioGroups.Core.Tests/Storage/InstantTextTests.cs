using System.Globalization;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Tests.Storage;

/// <summary>The history's instants as text: the digit-by-digit reader agrees with the format it replaces, and refuses what is not an instant.</summary>
public sealed class InstantTextTests
{
    [TestCase("2026-06-30 00:00:00.000")]
    [TestCase("2026-06-30 23:59:59.999")]
    [TestCase("2024-02-29 12:34:56.789")]
    [TestCase("2026-12-01 17:41:01.354123")]
    [TestCase("0001-01-01 00:00:00.000001")]
    [TestCase("9999-12-31 23:59:59.999999")]
    public void Each_shape_the_databases_write_reads_as_the_exact_format_does(string text)
    {
        var expected = DateTimeOffset.ParseExact(
            text,
            ["yyyy-MM-dd HH:mm:ss.ffffff", "yyyy-MM-dd HH:mm:ss.fff"],
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

        var parsed = Database.ParseInstant(text);

        parsed.Should().Be(expected);
        parsed.Offset.Should().Be(TimeSpan.Zero);
        parsed.UtcTicks.Should().Be(expected.UtcTicks);
    }

    [TestCase("2026-02-30 00:00:00.000")]
    [TestCase("2026-13-01 00:00:00.000")]
    [TestCase("2026-06-30 24:00:00.000")]
    [TestCase("2026-06-30T00:00:00.000")]
    [TestCase("2026-06-30 00:00:00.0x0")]
    [TestCase("2026-06-30 00:00:00.0000")]
    public void Text_that_is_not_an_instant_is_refused(string text)
    {
        var parse = () => Database.ParseInstant(text);

        parse.Should().Throw<FormatException>();
    }
}
