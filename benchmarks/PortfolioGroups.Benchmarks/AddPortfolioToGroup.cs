using BenchmarkDotNet.Attributes;
using Dapper;

namespace PortfolioGroups.Benchmarks;

/// <summary>
/// Adding 1,000 portfolios to an empty group one call at a time: the library's
/// <c>group.AddPortfolioAsync(portfolio)</c> (an idempotent insert, one statement when the pair
/// is new, a second only when nothing was inserted) against what a naive caller writes with
/// Dapper: read the membership, insert it when absent (two statements per pair).
/// </summary>
/// <remarks>
/// Both sides take a pooled connection per add, as independent calls would; neither wraps the
/// 1,000 adds in a transaction. The group is emptied before every iteration.
/// </remarks>
[MemoryDiagnoser]
[MedianColumn]
[Config(typeof(OneInvocationPerIterationConfig))]
public class AddPortfolioToGroup : DatabaseBenchmark
{
    public const int Count = 1_000;

    private const string SelectMembership =
        "SELECT uid FROM portfolio_group_membership WHERE portfolio_group_uid = @group AND portfolio_uid = @portfolio";

    private const string InsertMembership =
        "INSERT INTO portfolio_group_membership (uid, portfolio_group_uid, portfolio_uid) VALUES (@uid, @group, @portfolio)";

    private PortfolioGroup _group = null!;
    private IReadOnlyList<Portfolio> _portfolios = [];

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        await OpenDatabaseAsync();
        var groupUid = (await Database.SeedRowsAsync("portfolio_group", "add-group", 1))[0];
        var portfolioUids = await Database.SeedRowsAsync("portfolio", "add-portfolio", Count);
        _group = await PortfolioGroup.GetAsync(Database.Store, groupUid);
        _portfolios = await Portfolio.FilterAsync(Database.Store, new PortfolioFilter { Uids = portfolioUids });
        if (_portfolios.Count != Count)
        {
            throw new InvalidOperationException($"Seeded {_portfolios.Count} portfolios, expected {Count}.");
        }
    }

    [IterationSetup]
    public void EmptyGroup() => Database.ClearGroupAsync(_group.Uid).GetAwaiter().GetResult();

    [Benchmark]
    public async Task<int> LibraryAddPortfolio()
    {
        var added = 0;
        foreach (var portfolio in _portfolios)
        {
            var membership = await _group.AddPortfolioAsync(portfolio);
            added += membership.PortfolioUid == portfolio.Uid ? 1 : 0;
        }

        return Checked(added);
    }

    [Benchmark(Baseline = true)]
    public async Task<int> DapperReadThenInsert()
    {
        var added = 0;
        var group = Database.Uid(_group.Uid);
        foreach (var portfolio in _portfolios)
        {
            var connection = await Database.OpenConnectionAsync();
            await using (connection)
            {
                var pair = new { group, portfolio = Database.Uid(portfolio.Uid) };
                var existing = await connection.ExecuteScalarAsync<object?>(SelectMembership, pair);
                if (existing is null)
                {
                    added += await connection.ExecuteAsync(InsertMembership, new { uid = Database.Uid(Guid.CreateVersion7()), pair.group, pair.portfolio });
                }
            }
        }

        return Checked(added);
    }

    private static int Checked(int added) =>
        added == Count ? added : throw new InvalidOperationException($"Added {added} memberships, expected {Count}.");
}
