using System.Text.Json;
using BenchmarkDotNet.Attributes;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// What the key-set benchmarks share: 1,000 groups, 20,000 portfolios each in one group, and
/// 40,000 uids of which 1,000 name a row (the rest are new uids), as one parameter value for the
/// plain SQL (an array on PostgreSQL, a JSON array on SQLite).
/// </summary>
public abstract class KeySetBenchmark : DatabaseBenchmark
{
    public const int Asked = 40_000;
    public const int Existing = 1_000;
    public const int Portfolios = 20_000;

    protected Guid[] GroupUids { get; private set; } = [];

    protected Guid[] PortfolioUids { get; private set; } = [];

    protected List<(Guid Uid, Guid Group, Guid Portfolio)> Memberships { get; } = [];

    /// <summary>Opens the database and seeds it; each class's global setup calls it first.</summary>
    protected async Task SeedAsync()
    {
        await OpenDatabaseAsync();
        GroupUids = await Database.SeedRowsAsync("portfolio_group", "keyset-group", Existing);
        PortfolioUids = await Database.SeedRowsAsync("portfolio", "keyset-portfolio", Portfolios);
        for (var i = 0; i < Portfolios; i++)
        {
            Memberships.Add((Guid.CreateVersion7(), GroupUids[i % Existing], PortfolioUids[i]));
        }

        await Database.SeedMembershipsAsync(Memberships);
        if (Database.IsPostgres)
        {
            await Database.ExecuteAsync("VACUUM ANALYZE portfolio, portfolio_group, portfolio_group_membership");
        }
    }

    /// <summary>40,000 uids: every 40th is one of <paramref name="existing"/> (1,000 of them), the rest name nothing.</summary>
    protected static Guid[] KeysWith(IReadOnlyList<Guid> existing)
    {
        var step = Asked / Existing;
        return Enumerable.Range(0, Asked).Select(i => i % step == 0 ? existing[i / step] : Guid.CreateVersion7()).ToArray();
    }

    /// <summary>A set of uids as the plain SQL's one parameter.</summary>
    protected object Set(Guid[] uids) => Database.IsPostgres ? uids : JsonSerializer.Serialize(uids.Select(u => u.ToString("D")));

    /// <summary>The plain SQL's set as rows: <c>k(v)</c>.</summary>
    protected string Keys => Database.IsPostgres ? "(SELECT unnest(@keys) AS v) AS k" : "(SELECT value AS v FROM json_each(@keys)) AS k";

    protected async Task<int> ExecuteAsync(string sql, object keys)
    {
        var connection = await Database.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            BenchDatabase.Parameter(command, "keys", keys);
            return await command.ExecuteNonQueryAsync();
        }
    }

    protected async Task<int> CountRowsAsync(string sql, object keys)
    {
        var connection = await Database.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            BenchDatabase.Parameter(command, "keys", keys);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = 0;
            while (await reader.ReadAsync())
            {
                rows += reader.GetValue(0) is null ? 0 : 1;
            }

            return rows;
        }
    }

    protected static int Checked(long found, long expected, string what) =>
        found == expected ? (int)found : throw new InvalidOperationException($"{what}: {found}, expected {expected}.");
}

/// <summary>
/// Reads by 40,000 uids (1,000 exist). <c>filter groups</c>: <c>PortfolioGroup.FilterPageAsync</c>
/// with <c>Uids</c>, first page of 10,000 (all 1,000), against the plain join of the set to the
/// group table. <c>filter portfolios</c>: <c>Portfolio.FilterPageAsync</c> with <c>Uids</c>, the
/// same against the portfolio table. <c>filter memberships</c>: <c>PortfolioGroupMembership.FilterPageAsync</c>
/// with <c>PortfolioUids</c> (the memberships of 1,000 portfolios), against the set joined to the
/// membership's portfolio index. <c>preflight</c>: <c>PortfolioGroup.PreflightBulkDeleteAsync</c>
/// (each group found and its member count) against the plain join with a correlated count.
/// <c>preview</c>: <c>PortfolioGroup.PreviewBulkDeleteAsync</c> (the two totals) against the plain
/// join with a sum of correlated counts. Each plain form also runs as <c>RawIn</c>, the set read
/// through <c>IN (SELECT ... )</c> / <c>= ANY</c>; the table takes the faster. Every plain side builds
/// its parameter (the array, the JSON text) from the same <see cref="Guid"/> array inside the timed
/// call, as the library must.
/// </summary>
[Comparison("key set of 40,000 uids (1,000 exist)", Order = 25)]
[MemoryDiagnoser]
[Config(typeof(ComparisonConfig))]
public class KeySetReads : KeySetBenchmark
{
    private Guid[] _groupKeys = [];
    private Guid[] _portfolioKeys = [];

    /// <summary>The cases, in the order the interleaved mode runs them.</summary>
    public static readonly string[] Calls = ["filter groups", "filter portfolios", "filter memberships", "preflight", "preview"];

    [Params("filter groups", "filter portfolios", "filter memberships", "preflight", "preview")]
    public string Call { get; set; } = "filter groups";

    [GlobalSetup]
    public async Task SetUpKeysAsync()
    {
        await SeedAsync();
        _groupKeys = KeysWith(GroupUids);
        _portfolioKeys = KeysWith(PortfolioUids.Take(Existing).ToArray());
    }

    [Benchmark]
    public async Task<int> Library()
    {
        switch (Call)
        {
            case "filter groups":
                return Checked((await PortfolioGroup.FilterPageAsync(Database.Store, new PortfolioGroupFilter { Uids = _groupKeys }, PageRequest.First(10_000))).Items.Count, Existing, Call);
            case "filter portfolios":
                return Checked((await Portfolio.FilterPageAsync(Database.Store, new PortfolioFilter { Uids = _portfolioKeys }, PageRequest.First(10_000))).Items.Count, Existing, Call);
            case "filter memberships":
                return Checked((await PortfolioGroupMembership.FilterPageAsync(Database.Store, new PortfolioGroupMembershipFilter { PortfolioUids = _portfolioKeys }, PageRequest.First(10_000))).Items.Count, Existing, Call);
            case "preflight":
                return Checked((await PortfolioGroup.PreflightBulkDeleteAsync(Database.Store, _groupKeys)).MatchedCount, Existing, Call);
            default:
                return Checked((await PortfolioGroup.PreviewBulkDeleteAsync(Database.Store, _groupKeys)).MembershipCount, Portfolios, Call);
        }
    }

    [Benchmark]
    public Task<int> RawJoin() => Call switch
    {
        "filter groups" => Read($"SELECT g.uid, g.unique_identifier, g.display_name, g.description, g.metadata_json FROM {Keys} JOIN portfolio_group g ON g.uid = k.v ORDER BY g.uid LIMIT 10001", _groupKeys),
        "filter portfolios" => Read($"SELECT p.uid, p.unique_identifier, p.display_name FROM {Keys} JOIN portfolio p ON p.uid = k.v ORDER BY p.uid LIMIT 10001", _portfolioKeys),
        "filter memberships" => Read($"SELECT m.uid, m.portfolio_group_uid, m.portfolio_uid FROM {Keys} JOIN portfolio_group_membership m ON m.portfolio_uid = k.v ORDER BY m.uid LIMIT 10001", _portfolioKeys),
        "preflight" => Read($"SELECT g.uid, (SELECT count(*) FROM portfolio_group_membership m WHERE m.portfolio_group_uid = g.uid) FROM {Keys} JOIN portfolio_group g ON g.uid = k.v", _groupKeys),
        _ => Preview($"SELECT count(*), sum((SELECT count(*) FROM portfolio_group_membership m WHERE m.portfolio_group_uid = g.uid)) FROM {Keys} JOIN portfolio_group g ON g.uid = k.v"),
    };

    [Benchmark]
    public Task<int> RawIn()
    {
        var inSet = Database.IsPostgres ? "= ANY(@keys)" : "IN (SELECT value FROM json_each(@keys))";
        return Call switch
        {
            "filter groups" => Read($"SELECT uid, unique_identifier, display_name, description, metadata_json FROM portfolio_group WHERE uid {inSet} ORDER BY uid LIMIT 10001", _groupKeys),
            "filter portfolios" => Read($"SELECT uid, unique_identifier, display_name FROM portfolio WHERE uid {inSet} ORDER BY uid LIMIT 10001", _portfolioKeys),
            "filter memberships" => Read($"SELECT uid, portfolio_group_uid, portfolio_uid FROM portfolio_group_membership WHERE portfolio_uid {inSet} ORDER BY uid LIMIT 10001", _portfolioKeys),
            "preflight" => Read($"SELECT g.uid, (SELECT count(*) FROM portfolio_group_membership m WHERE m.portfolio_group_uid = g.uid) FROM portfolio_group g WHERE g.uid {inSet}", _groupKeys),
            _ => Preview($"SELECT count(*), sum((SELECT count(*) FROM portfolio_group_membership m WHERE m.portfolio_group_uid = g.uid)) FROM portfolio_group g WHERE g.uid {inSet}"),
        };
    }

    // The parameter is built from the uids here, inside the timed call, as the library must.
    private async Task<int> Read(string sql, Guid[] keys) => Checked(await CountRowsAsync(sql, Set(keys)), Existing, Call);

    private async Task<int> Preview(string sql)
    {
        var connection = await Database.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            BenchDatabase.Parameter(command, "keys", Set(_groupKeys));
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            Checked(reader.GetInt64(0), Existing, Call);
            return Checked(Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture), Portfolios, Call);
        }
    }
}

/// <summary>
/// Deletes by 40,000 uids (1,000 exist), the deleted rows put back before every call.
/// <c>memberships by uid</c>: <c>PortfolioGroupMembership.BulkDeleteAsync(uids)</c> (1,000 of the
/// 20,000 memberships) against the plain delete joined to the set (<c>USING unnest</c> on
/// PostgreSQL; on SQLite, which has no join in a DELETE, <c>uid IN</c> the join of the set to the
/// table). <c>scoped</c>: <c>BulkDeleteAsync</c> with a scope of 40,000 portfolio uids (the
/// memberships of 1,000 portfolios), against the same by portfolio. <c>RawIn</c>: the set read
/// through <c>IN (SELECT ...)</c> / <c>= ANY</c>; the table takes the faster.
/// </summary>
[Comparison("bulk delete by a key set of 40,000 uids (1,000 exist)", Order = 26)]
[MemoryDiagnoser]
[Config(typeof(ComparisonOneInvocationConfig))]
public class KeySetDeletes : KeySetBenchmark
{
    private Guid[] _membershipKeys = [];
    private Guid[] _portfolioKeys = [];
    private List<(Guid Uid, Guid Group, Guid Portfolio)> _deleted = [];

    /// <summary>The cases, in the order the interleaved mode runs them.</summary>
    public static readonly string[] Calls = ["memberships by uid", "scoped"];

    [Params("memberships by uid", "scoped")]
    public string Call { get; set; } = "memberships by uid";

    [GlobalSetup]
    public async Task SetUpKeysAsync()
    {
        await SeedAsync();
        _deleted = Memberships.Take(Existing).ToList();
        _membershipKeys = KeysWith(_deleted.Select(m => m.Uid).ToArray());
        _portfolioKeys = KeysWith(_deleted.Select(m => m.Portfolio).ToArray());
    }

    /// <summary>Puts back the memberships the last call deleted (none before the first).</summary>
    [IterationSetup]
    public void PutBack()
    {
        var connection = Database.OpenConnectionAsync().GetAwaiter().GetResult();
        using (connection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM portfolio_group_membership";
            if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == Portfolios)
            {
                return;
            }
        }

        Database.SeedMembershipsAsync(_deleted).GetAwaiter().GetResult();
    }

    [Benchmark]
    public async Task<int> Library() => Checked(
        Call == "scoped"
            ? await PortfolioGroupMembership.BulkDeleteAsync(Database.Store, new PortfolioGroupMembershipScope { Portfolios = _portfolioKeys.Select(u => (PortfolioRef)u).ToArray() })
            : await PortfolioGroupMembership.BulkDeleteAsync(Database.Store, _membershipKeys),
        Existing,
        Call);

    [Benchmark]
    public async Task<int> RawJoin()
    {
        var (column, table, keys) = Call == "scoped" ? ("portfolio_uid", "portfolio", _portfolioKeys) : ("uid", "portfolio_group_membership", _membershipKeys);
        var sql = Database.IsPostgres
            ? $"DELETE FROM portfolio_group_membership d USING {Keys} WHERE d.{column} = k.v"
            : $"DELETE FROM portfolio_group_membership WHERE {column} IN (SELECT t.uid FROM {Keys} JOIN {table} t ON t.uid = k.v)";
        return Checked(await ExecuteAsync(sql, Set(keys)), Existing, Call);
    }

    [Benchmark]
    public async Task<int> RawIn()
    {
        var (column, keys) = Call == "scoped" ? ("portfolio_uid", _portfolioKeys) : ("uid", _membershipKeys);
        var sql = $"DELETE FROM portfolio_group_membership WHERE {column} " + (Database.IsPostgres ? "= ANY(@keys)" : "IN (SELECT value FROM json_each(@keys))");
        return Checked(await ExecuteAsync(sql, Set(keys)), Existing, Call);
    }
}
