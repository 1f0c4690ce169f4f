using BenchmarkDotNet.Attributes;
using Dapper;

namespace PortfolioGroups.Benchmarks;

/// <summary>
/// Reading groups by 40,000 uids, 1,000 of which exist: the library's filter (one statement, the
/// uids as one JSON array or PostgreSQL array parameter) against the usual workaround for the
/// parameter limit: <c>WHERE uid IN (@p1, ...)</c> in chunks of 900, merged, ordered and capped
/// like the library's page.
/// </summary>
/// <remarks>
/// On SQLite the baseline uses Dapper's list expansion (<c>IN @uids</c>). Dapper does not expand
/// lists on Npgsql (it sends one array parameter, which needs <c>= ANY(@uids)</c>), so on
/// PostgreSQL the baseline writes the same 900 named parameters itself.
/// </remarks>
[MemoryDiagnoser]
[MedianColumn]
[Config(typeof(ShortRunConfig))]
public class FilterByManyUids : DatabaseBenchmark
{
    public const int Existing = 1_000;
    public const int Asked = 40_000;
    public const int ChunkSize = 900;
    public const int PageSize = 10_000;

    private const string SelectGroups =
        "SELECT uid AS Uid, unique_identifier AS UniqueIdentifier, display_name AS DisplayName, description AS Description, metadata_json AS MetadataJson FROM portfolio_group WHERE uid IN ";

    private Guid[] _uids = [];

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        await OpenDatabaseAsync();
        var existing = await Database.SeedRowsAsync("portfolio_group", "filter-group", Existing);
        // Every 40th uid names a group; the others name nothing.
        var step = Asked / Existing;
        _uids = Enumerable.Range(0, Asked)
            .Select(i => i % step == 0 ? existing[i / step] : Guid.CreateVersion7())
            .ToArray();
    }

    [Benchmark]
    public async Task<int> LibraryFilter()
    {
        var page = await PortfolioGroup.FilterPageAsync(Database.Store, new PortfolioGroupFilter { Uids = _uids }, PageRequest.First(PageSize));
        return Checked(page.Items.Count);
    }

    [Benchmark(Baseline = true)]
    public async Task<int> DapperChunkedIn()
    {
        var connection = await Database.OpenConnectionAsync();
        await using (connection)
        {
            // Each database's plain mapping: SQLite stores uids as text (Dapper does not turn text
            // into a Guid), PostgreSQL as uuid; both orders equal the library's uid order.
            var count = Database.IsPostgres
                ? await ReadPageAsync(connection, Comparer<Guid>.Default, chunk =>
                {
                    var parameters = new DynamicParameters();
                    for (var i = 0; i < chunk.Length; i++)
                    {
                        parameters.Add("p" + i, chunk[i]);
                    }

                    return (SelectGroups + "(" + string.Join(", ", Enumerable.Range(0, chunk.Length).Select(i => "@p" + i)) + ")", parameters);
                })
                : await ReadPageAsync(connection, StringComparer.Ordinal, chunk =>
                    (SelectGroups + "@uids", new { uids = chunk.Select(u => u.ToString("D")).ToArray() }));
            return Checked(count);
        }
    }

    private static int Checked(int found) =>
        found == Existing ? found : throw new InvalidOperationException($"Found {found} groups, expected {Existing}.");

    /// <summary>Queries every chunk, then orders the rows by uid and keeps one page, as the library's filter does.</summary>
    private async Task<int> ReadPageAsync<TUid>(System.Data.Common.DbConnection connection, IComparer<TUid> order, Func<Guid[], (string Sql, object Parameters)> command)
    {
        var rows = new List<GroupRow<TUid>>();
        foreach (var chunk in _uids.Chunk(ChunkSize))
        {
            var (sql, parameters) = command(chunk);
            rows.AddRange(await connection.QueryAsync<GroupRow<TUid>>(sql, parameters));
        }

        var page = rows.OrderBy(r => r.Uid, order).Take(PageSize).ToList();
        return page.Count;
    }

    /// <summary>A row as a plain Dapper caller would map it.</summary>
    public sealed class GroupRow<TUid>
    {
        public TUid Uid { get; set; } = default!;

        public string UniqueIdentifier { get; set; } = "";

        public string DisplayName { get; set; } = "";

        public string? Description { get; set; }

        public string? MetadataJson { get; set; }
    }
}
