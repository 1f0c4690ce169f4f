using BenchmarkDotNet.Attributes;
using Microsoft.EntityFrameworkCore;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// The groups of one portfolio (it is in 100), first page of 500, in a membership table of 10,000
/// or 1,000,000 rows (100 groups, each holding every one of 100 or 10,000 portfolios). Library:
/// <c>PortfolioGroup.GetGroupsForPortfolioAsync</c>. Raw: the keyset statement with a
/// <see cref="System.Data.Common.DbDataReader"/>. EF Core: the same query in LINQ. The question is
/// whether the time stays flat as the table grows (the index that leads with <c>portfolio_uid</c>).
/// </summary>
[Comparison("groups of one portfolio (in 100)", Order = 30)]
[MemoryDiagnoser]
[Config(typeof(ComparisonConfig))]
public class GroupsOfPortfolio : DatabaseBenchmark
{
    public const int Groups = 100;
    public const int PageSize = 500;

    private Guid _portfolio;

    [Params(10_000, 1_000_000)]
    public int Memberships { get; set; }

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        await OpenDatabaseAsync();
        var groups = await Database.SeedRowsAsync("portfolio_group", "gop-group", Groups);
        var portfolios = await Database.SeedRowsAsync("portfolio", "gop-portfolio", Memberships / Groups);
        await Database.SeedAllPairsAsync(groups, portfolios);
        await Database.AnalyzeAsync("portfolio_group_membership");

        _portfolio = portfolios[portfolios.Length / 2];
    }

    [Benchmark]
    public async Task<int> Library()
    {
        var page = await PortfolioGroup.GetGroupsForPortfolioPageAsync(Database.Store, _portfolio, PageRequest.First(PageSize));
        return Checked(page.Items.Count);
    }

    [Benchmark]
    public async Task<int> Raw()
    {
        var connection = await Database.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText =
                "SELECT g.uid, g.unique_identifier, g.display_name, g.description, g.metadata_json FROM portfolio_group_membership m "
                + "JOIN portfolio_group g ON g.uid = m.portfolio_group_uid WHERE m.portfolio_uid = @portfolio ORDER BY m.portfolio_group_uid LIMIT @limit";
            BenchDatabase.Parameter(command, "portfolio", Database.Uid(_portfolio));
            BenchDatabase.Parameter(command, "limit", PageSize + 1);
            var rows = new List<(Guid, string, string, string?, string?)>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
            }

            return Checked(Math.Min(rows.Count, PageSize));
        }
    }

    [Benchmark]
    public async Task<int> EfCore()
    {
        await using var context = Database.NewEfContext();
        var rows = await context.Memberships
            .Where(m => m.PortfolioUid == _portfolio)
            .OrderBy(m => m.GroupUid)
            .Select(m => m.Group)
            .Take(PageSize + 1)
            .ToListAsync();
        return Checked(Math.Min(rows.Count, PageSize));
    }

    private static int Checked(int found) =>
        found == Groups ? found : throw new InvalidOperationException($"Found {found} groups, expected {Groups}.");
}
