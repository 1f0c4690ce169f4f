#:package PortfolioGroups.Core@0.1.0

// A report, printed as tables: the member count of every group, the portfolios in all of two groups,
// and the groups of one portfolio. Reads only.
//
//   dotnet run samples/scripts/group-report.cs -- GROUP_A GROUP_B PORTFOLIO [--connection "Data Source=portfolios.db"] [--provider sqlite|postgres]
//
// Groups and the portfolio are named by unique identifier. Rows are listed in unique identifier
// order. Exit codes: 0 printed, 1 a named group or portfolio does not exist, 2 bad usage.
using PortfolioGroups;

var names = new List<string>();
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
        case var argument when !argument.StartsWith("--", StringComparison.Ordinal):
            names.Add(argument);
            break;
        default:
            return Fail(2, $"unexpected argument '{args[i]}'.");
    }
}

if (names.Count != 3)
{
    return Fail(2, "expected GROUP_A GROUP_B PORTFOLIO. Usage: group-report.cs GROUP_A GROUP_B PORTFOLIO [--connection CS] [--provider sqlite|postgres]");
}

var (groupA, groupB, portfolio) = (names[0], names[1], names[2]);
try
{
    await using var store = provider == "postgres"
        ? await PortfolioStore.OpenPostgresAsync(connectionString)
        : await PortfolioStore.OpenSqliteAsync(connectionString);

    // A group that does not exist would select nothing: name it as an error before printing anything.
    _ = await PortfolioGroup.GetAsync(store, groupA);
    _ = await PortfolioGroup.GetAsync(store, groupB);
    _ = await Portfolio.GetAsync(store, portfolio);

    // Every group with its member count: one query for the counts, one stream for the groups.
    var counts = await PortfolioGroup.CountPortfoliosAsync(store);
    var groups = new List<PortfolioGroup>();
    await foreach (var group in PortfolioGroup.StreamAsync(store))
    {
        groups.Add(group);
    }

    PrintTable(
        "Members per group",
        ["group", "display name", "members"],
        groups.OrderBy(g => g.UniqueIdentifier, StringComparer.Ordinal)
            .Select(g => new[] { g.UniqueIdentifier, g.DisplayName, counts[g.Uid].ToString("N0", null) }),
        rightAligned: 2);

    var inBoth = new List<Portfolio>();
    await foreach (var p in Portfolio.StreamAsync(store, new PortfolioFilter { InAllGroups = [groupA, groupB] }))
    {
        inBoth.Add(p);
    }

    PrintTable(
        $"Portfolios in all of {groupA} and {groupB}",
        ["portfolio", "display name"],
        inBoth.OrderBy(p => p.UniqueIdentifier, StringComparer.Ordinal).Select(p => new[] { p.UniqueIdentifier, p.DisplayName ?? "" }));

    var groupsOf = new List<PortfolioGroup>();
    await foreach (var group in PortfolioGroup.StreamGroupsForPortfolioAsync(store, portfolio))
    {
        groupsOf.Add(group);
    }

    PrintTable(
        $"Groups of {portfolio}",
        ["group", "display name"],
        groupsOf.OrderBy(g => g.UniqueIdentifier, StringComparer.Ordinal).Select(g => new[] { g.UniqueIdentifier, g.DisplayName }));
    return 0;
}
catch (Exception ex) when (ex is PortfolioGroupsException or ArgumentException)
{
    return Fail(1, ex.Message);
}

static int Fail(int exitCode, string message)
{
    Console.Error.WriteLine($"group-report: {message}");
    return exitCode;
}

// A plain-text table: a title, a header, a rule, and the rows; columns as wide as their widest cell.
static void PrintTable(string title, string[] header, IEnumerable<string[]> rows, int rightAligned = -1)
{
    var all = rows.Prepend(header).ToList();
    var widths = header.Select((_, column) => all.Max(row => row[column].Length)).ToArray();
    Console.WriteLine(title);
    for (var r = 0; r < all.Count; r++)
    {
        Console.WriteLine(string.Join("  ", all[r].Select((cell, column) => column == rightAligned ? cell.PadLeft(widths[column]) : cell.PadRight(widths[column]))).TrimEnd());
        if (r == 0)
        {
            Console.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        }
    }

    if (all.Count == 1)
    {
        Console.WriteLine("(none)");
    }

    Console.WriteLine();
}
