using Dapper;
using PortfolioGroups.Services;

namespace PortfolioGroups.Storage;

/// <summary>
/// The statements, built from the dialect's fragments. Standard SQL that both databases run is
/// here; what differs is in <see cref="PostgresDialect"/> and <see cref="SqliteDialect"/>.
/// Parameter names are fixed per statement; sets of keys and page cursors add their own
/// parameters to the <see cref="DynamicParameters"/> passed in.
/// </summary>
internal abstract partial class SqlDialect
{
    public const string PortfolioColumns = "uid, unique_identifier, display_name";
    public const string GroupColumns = "uid, unique_identifier, display_name, description, metadata_json";
    public const string MembershipColumns = "uid, portfolio_group_uid, portfolio_uid";

    // ---- portfolio -------------------------------------------------------------------------

    /// <summary>Parameters: @uid, @uniqueIdentifier, @displayName.</summary>
    public string InsertPortfolio(bool upsert) =>
        $"INSERT INTO {Portfolio} (uid, unique_identifier, display_name) VALUES (@uid, @uniqueIdentifier, @displayName)" +
        (upsert ? " ON CONFLICT (unique_identifier) DO UPDATE SET display_name = excluded.display_name" : "") +
        $" RETURNING {PortfolioColumns}";

    /// <summary>Parameter: @key.</summary>
    public string SelectPortfolio(RowKey key) => $"SELECT {PortfolioColumns} FROM {Portfolio} WHERE {key.Column} = @key";

    /// <summary>Parameters: @key, @displayName.</summary>
    public string UpdatePortfolio(RowKey key) =>
        $"UPDATE {Portfolio} SET display_name = @displayName WHERE {key.Column} = @key RETURNING {PortfolioColumns}";

    /// <summary>Parameter: @key.</summary>
    public string DeletePortfolio(RowKey key) => $"DELETE FROM {Portfolio} WHERE {key.Column} = @key";

    public string FilterPortfolios(KeySet keys, string? search, PageQuery page, DynamicParameters parameters) =>
        $"SELECT {PortfolioColumns} FROM {Portfolio} WHERE {NamedOrSearched(keys, Portfolio, search, "portfolio", parameters)}{PageTail(page, "uid", parameters)}";

    /// <summary>The portfolios of a group, by portfolio uid. Parameter: @group.</summary>
    public string PortfoliosInGroup(RowKey group, PageQuery page, DynamicParameters parameters) =>
        $"SELECT p.uid, p.unique_identifier, p.display_name FROM {Membership} m JOIN {Portfolio} p ON p.uid = m.portfolio_uid " +
        $"WHERE m.portfolio_group_uid = {UidOf(group, Group, "@group")}{PageTail(page, "m.portfolio_uid", parameters)}";

    // ---- portfolio_group -------------------------------------------------------------------

    /// <summary>Parameters: @uid, @uniqueIdentifier, @displayName, @description, @metadata.</summary>
    public string InsertGroup(bool upsert) =>
        $"INSERT INTO {Group} (uid, unique_identifier, display_name, description, metadata_json) " +
        $"VALUES (@uid, @uniqueIdentifier, @displayName, @description, {JsonValue("@metadata")})" +
        (upsert ? " ON CONFLICT (unique_identifier) DO UPDATE SET display_name = excluded.display_name, description = excluded.description, metadata_json = excluded.metadata_json" : "") +
        $" RETURNING {GroupColumns}";

    /// <summary>Parameter: @key.</summary>
    public string SelectGroup(RowKey key) => $"SELECT {GroupColumns} FROM {Group} WHERE {key.Column} = @key";

    /// <summary>Sets the fields named; parameters: @key and @displayName, @description, @metadata as set.</summary>
    public string UpdateGroup(RowKey key, bool displayName, bool description, bool metadata)
    {
        var set = new List<string>();
        if (displayName)
        {
            set.Add("display_name = @displayName");
        }

        if (description)
        {
            set.Add("description = @description");
        }

        if (metadata)
        {
            set.Add($"metadata_json = {JsonValue("@metadata")}");
        }

        return $"UPDATE {Group} SET {string.Join(", ", set)} WHERE {key.Column} = @key RETURNING {GroupColumns}";
    }

    /// <summary>Parameter: @key.</summary>
    public string DeleteGroup(RowKey key) => $"DELETE FROM {Group} WHERE {key.Column} = @key";

    public string BulkDeleteGroups(KeySet keys, DynamicParameters parameters) =>
        $"DELETE FROM {Group} WHERE {InKeySet(keys, Group, "uid", "group", parameters)}";

    public string FilterGroups(KeySet keys, string? search, PageQuery page, DynamicParameters parameters) =>
        $"SELECT {GroupColumns} FROM {Group} WHERE {NamedOrSearched(keys, Group, search, "group", parameters)}{PageTail(page, "uid", parameters)}";

    /// <summary>The groups of a portfolio, by group uid. Parameter: @portfolio.</summary>
    public string GroupsOfPortfolio(RowKey portfolio, PageQuery page, DynamicParameters parameters) =>
        $"SELECT g.uid, g.unique_identifier, g.display_name, g.description, g.metadata_json FROM {Membership} m JOIN {Group} g ON g.uid = m.portfolio_group_uid " +
        $"WHERE m.portfolio_uid = {UidOf(portfolio, Portfolio, "@portfolio")}{PageTail(page, "m.portfolio_group_uid", parameters)}";

    // ---- portfolio_group_membership --------------------------------------------------------

    /// <summary>Inserts the pair, both sides resolved in the statement; nothing when a side is missing. Parameters: @uid, @group, @portfolio.</summary>
    public string InsertMembership(RowKey group, RowKey portfolio, bool ignoreExisting) =>
        $"INSERT INTO {Membership} ({MembershipColumns}) " +
        $"SELECT @uid, g.uid, p.uid FROM {Group} g CROSS JOIN {Portfolio} p WHERE g.{group.Column} = @group AND p.{portfolio.Column} = @portfolio" +
        (ignoreExisting ? " ON CONFLICT (portfolio_group_uid, portfolio_uid) DO NOTHING" : "") +
        $" RETURNING {MembershipColumns}";

    /// <summary>One row: the group's uid, the portfolio's uid, the pair's membership uid, each null when absent. Parameters: @group, @portfolio.</summary>
    public string ResolvePair(RowKey group, RowKey portfolio) =>
        $"SELECT g.uid, p.uid, m.uid FROM (SELECT 1 AS one) x " +
        $"LEFT JOIN {Group} g ON g.{group.Column} = @group " +
        $"LEFT JOIN {Portfolio} p ON p.{portfolio.Column} = @portfolio " +
        $"LEFT JOIN {Membership} m ON m.portfolio_group_uid = g.uid AND m.portfolio_uid = p.uid";

    /// <summary>One row: the uids of the sides given (null when not given or absent). Parameters: @group, @portfolio as given.</summary>
    public string ResolveSides(RowKey? group, RowKey? portfolio) =>
        $"SELECT {(group is { } g ? $"(SELECT uid FROM {Group} WHERE {g.Column} = @group)" : "NULL")}, " +
        $"{(portfolio is { } p ? $"(SELECT uid FROM {Portfolio} WHERE {p.Column} = @portfolio)" : "NULL")}";

    /// <summary>Parameter: @uid.</summary>
    public string SelectMembership => $"SELECT {MembershipColumns} FROM {Membership} WHERE uid = @uid";

    /// <summary>Parameters: @uid and @group, @portfolio as moved.</summary>
    public string MoveMembership(bool group, bool portfolio)
    {
        var set = new List<string>();
        if (group)
        {
            set.Add("portfolio_group_uid = @group");
        }

        if (portfolio)
        {
            set.Add("portfolio_uid = @portfolio");
        }

        return $"UPDATE {Membership} SET {string.Join(", ", set)} WHERE uid = @uid RETURNING {MembershipColumns}";
    }

    /// <summary>Parameter: @uid.</summary>
    public string DeleteMembership => $"DELETE FROM {Membership} WHERE uid = @uid";

    /// <summary>Deletes the pair's membership, both sides resolved in the statement. Parameters: @group, @portfolio.</summary>
    public string RemoveMembership(RowKey group, RowKey portfolio) =>
        $"DELETE FROM {Membership} WHERE portfolio_group_uid = {UidOf(group, Group, "@group")} AND portfolio_uid = {UidOf(portfolio, Portfolio, "@portfolio")}";

    /// <summary>Parameter: @uids, a uid set.</summary>
    public string BulkDeleteMemberships => $"DELETE FROM {Membership} WHERE {InUidSet("uid", "@uids")}";

    public string BulkDeleteMembershipsInScope(KeySet groups, KeySet portfolios, DynamicParameters parameters) =>
        $"DELETE FROM {Membership} WHERE {MembershipSelection(groups, portfolios, parameters)}";

    public string FilterMemberships(KeySet groups, KeySet portfolios, PageQuery page, DynamicParameters parameters) =>
        $"SELECT {MembershipColumns} FROM {Membership} WHERE {MembershipSelection(groups, portfolios, parameters)}{PageTail(page, "uid", parameters)}";

    // ---- catalog ---------------------------------------------------------------------------

    public string SelectCatalog =>
        $"SELECT meta_table_identifier, physical_name, description, columns_json, schema_version FROM {Catalog} ORDER BY meta_table_identifier";

    public string DeleteCatalog => $"DELETE FROM {Catalog}";

    /// <summary>Parameters: @version, and @identifier{i}, @physicalName{i}, @description{i}, @columns{i} for each row.</summary>
    public string InsertCatalog(int rows) =>
        $"INSERT INTO {Catalog} (meta_table_identifier, physical_name, description, columns_json, schema_version) VALUES " +
        string.Join(", ", Enumerable.Range(0, rows).Select(i => $"(@identifier{i}, @physicalName{i}, @description{i}, {JsonValue($"@columns{i}")}, @version)"));

    /// <summary>One row, one count: whether the version table exists. Parameters: @schema, @table.</summary>
    public abstract string VersionTableExists { get; }

    public string SelectVersions => $"SELECT version FROM {VersionTable} ORDER BY version";

    // ---- shared pieces ---------------------------------------------------------------------

    /// <summary>The uid of the row a key names: the parameter itself, or a subquery resolving the unique identifier.</summary>
    private static string UidOf(RowKey key, string table, string parameter) =>
        key.IsUid ? parameter : $"(SELECT uid FROM {table} WHERE unique_identifier = {parameter})";

    /// <summary>
    /// True for rows (through <paramref name="uidColumn"/>) named by the set: its uids, or its
    /// unique identifiers resolved in <paramref name="table"/>. Each set is one parameter.
    /// </summary>
    private string InKeySet(KeySet keys, string table, string uidColumn, string prefix, DynamicParameters parameters)
    {
        var parts = new List<string>();
        if (keys.Uids is { Count: > 0 } uids)
        {
            parameters.Add(prefix + "Uids", UidSet(uids));
            parts.Add(InUidSet(uidColumn, "@" + prefix + "Uids"));
        }

        if (keys.UniqueIdentifiers is { Count: > 0 } identifiers)
        {
            parameters.Add(prefix + "Ids", TextSet(identifiers));
            parts.Add($"{uidColumn} IN (SELECT uid FROM {table} WHERE {InTextSet("unique_identifier", "@" + prefix + "Ids")})");
        }

        return parts.Count == 0 ? "1 = 0" : "(" + string.Join(" OR ", parts) + ")";
    }

    /// <summary>The rows a portfolio or group filter selects: named by the set (when given), containing the search text (when given).</summary>
    private string NamedOrSearched(KeySet keys, string table, string? search, string prefix, DynamicParameters parameters)
    {
        var where = new List<string> { "1 = 1" };
        if (keys.IsGiven)
        {
            where.Add(InKeySet(keys, table, "uid", prefix, parameters));
        }

        if (search is not null)
        {
            parameters.Add("search", SearchValue(search));
            where.Add($"({Contains("unique_identifier", "@search")} OR {Contains("display_name", "@search")})");
        }

        return string.Join(" AND ", where);
    }

    private string MembershipSelection(KeySet groups, KeySet portfolios, DynamicParameters parameters)
    {
        var where = new List<string> { "1 = 1" };
        if (groups.IsGiven)
        {
            where.Add(InKeySet(groups, Group, "portfolio_group_uid", "group", parameters));
        }

        if (portfolios.IsGiven)
        {
            where.Add(InKeySet(portfolios, Portfolio, "portfolio_uid", "portfolio", parameters));
        }

        return string.Join(" AND ", where);
    }

    /// <summary>The keyset page: rows after the cursor, in order, one more than the page size (to know whether more follow).</summary>
    private string PageTail(PageQuery page, string orderColumn, DynamicParameters parameters)
    {
        parameters.Add("pageLimit", page.Size + 1);
        var after = "";
        if (page.After is { } cursor)
        {
            parameters.Add("pageAfter", Uid(cursor));
            after = $" AND {orderColumn} > @pageAfter";
        }

        return $"{after} ORDER BY {orderColumn} LIMIT @pageLimit";
    }
}
