using BenchmarkDotNet.Attributes;
using Microsoft.EntityFrameworkCore;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// Every portfolio of a 100,000-member group, read as the rows arrive. Library:
/// <c>PortfolioGroup.StreamPortfoliosAsync</c>. Raw: the same statement (membership joined to
/// portfolio, ordered by portfolio uid) read with a <see cref="System.Data.Common.DbDataReader"/>
/// into the same three fields. EF Core: the same query in LINQ with <c>AsAsyncEnumerable</c>, no tracking.
/// </summary>
[Comparison("stream a group of 100,000", Order = 50)]
[MemoryDiagnoser]
[Config(typeof(ComparisonConfig))]
public class StreamGroup : DatabaseBenchmark
{
    public const int Members = 100_000;

    private Guid _group;

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        await OpenDatabaseAsync();
        _group = (await Database.SeedRowsAsync("portfolio_group", "stream-group", 1))[0];
        var portfolios = await Database.SeedRowsAsync("portfolio", "stream-portfolio", Members);
        await Database.SeedAllPairsAsync([_group], portfolios);
        await Database.AnalyzeAsync("portfolio, portfolio_group_membership");
    }

    [Benchmark]
    public async Task<int> Library()
    {
        var read = 0;
        await foreach (var portfolio in PortfolioGroup.StreamPortfoliosAsync(Database.Store, _group))
        {
            read += portfolio.UniqueIdentifier.Length > 0 ? 1 : 0;
        }

        return Checked(read);
    }

    [Benchmark]
    public async Task<int> Raw()
    {
        var connection = await Database.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText =
                "SELECT p.uid, p.unique_identifier, p.display_name FROM portfolio_group_membership m JOIN portfolio p ON p.uid = m.portfolio_uid "
                + "WHERE m.portfolio_group_uid = @group ORDER BY m.portfolio_uid";
            BenchDatabase.Parameter(command, "group", Database.Uid(_group));
            var read = 0;
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var row = (Uid: reader.GetGuid(0), UniqueIdentifier: reader.GetString(1), DisplayName: reader.IsDBNull(2) ? null : reader.GetString(2));
                read += row.UniqueIdentifier.Length > 0 ? 1 : 0;
            }

            return Checked(read);
        }
    }

    [Benchmark]
    public async Task<int> EfCore()
    {
        await using var context = Database.NewEfContext();
        var read = 0;
        var rows = context.Memberships
            .Where(m => m.GroupUid == _group)
            .OrderBy(m => m.PortfolioUid)
            .Select(m => m.Portfolio)
            .AsAsyncEnumerable();
        await foreach (var portfolio in rows)
        {
            read += portfolio.UniqueIdentifier.Length > 0 ? 1 : 0;
        }

        return Checked(read);
    }

    private static int Checked(int read) =>
        read == Members ? read : throw new InvalidOperationException($"Read {read} portfolios, expected {Members}.");
}
