namespace PortfolioGroups.Schema;

/// <summary>
/// The model graph: every table the library owns, with identifiers, descriptions, labels, keys,
/// foreign keys and indexes. Read-only; inspect it at run time.
/// </summary>
public static class SchemaModel
{
    /// <summary>Maximum length, in characters, of unique identifiers and display names.</summary>
    public const int MaxNameLength = 255;

    /// <summary>The physical name of the library's own migration history table.</summary>
    public const string VersionTableName = "portfoliogroups_version_info";

    /// <summary>The <c>Portfolio</c> MetaTable: one row per portfolio.</summary>
    public static TableModel Portfolio { get; } = new(
        identifier: "Portfolio",
        physicalName: "portfolio",
        description: "A portfolio. Portfolios are classified into groups through portfolio_group_membership; this table has no group column.",
        columns:
        [
            new("uid", "Uid", "Primary key of the portfolio (a time-ordered UUID unless the caller supplied one).", ColumnKind.Uuid, IsNullable: false),
            new("unique_identifier", "Unique identifier", "The portfolio's natural key: trimmed, non-empty, at most 255 characters, no control characters, case-sensitive.", ColumnKind.BoundedText, IsNullable: false, MaxNameLength),
            new("display_name", "Display name", "Optional human-readable name of the portfolio, at most 255 characters.", ColumnKind.BoundedText, IsNullable: true, MaxNameLength),
        ],
        primaryKeyName: "pk_portfolio",
        primaryKeyColumn: "uid",
        foreignKeys: [],
        indexes: [new("ux_portfolio_unique_identifier", ["unique_identifier"], IsUnique: true)]);

    /// <summary>The <c>PortfolioGroup</c> MetaTable: one row per group (a classification of portfolios).</summary>
    public static TableModel PortfolioGroup { get; } = new(
        identifier: "PortfolioGroup",
        physicalName: "portfolio_group",
        description: "A portfolio group: a classification that portfolios belong to through portfolio_group_membership. Deleting a group deletes only its memberships.",
        columns:
        [
            new("uid", "Uid", "Primary key of the group (a time-ordered UUID unless the caller supplied one).", ColumnKind.Uuid, IsNullable: false),
            new("unique_identifier", "Unique identifier", "The group's natural key: trimmed, non-empty, at most 255 characters, no control characters, case-sensitive.", ColumnKind.BoundedText, IsNullable: false, MaxNameLength),
            new("display_name", "Display name", "Human-readable name of the group, at most 255 characters.", ColumnKind.BoundedText, IsNullable: false, MaxNameLength),
            new("description", "Description", "Optional free-text description of the group.", ColumnKind.Text, IsNullable: true),
            new("metadata_json", "Metadata", "Optional JSON object with caller-defined metadata about the group.", ColumnKind.Json, IsNullable: true),
        ],
        primaryKeyName: "pk_portfolio_group",
        primaryKeyColumn: "uid",
        foreignKeys: [],
        indexes: [new("ux_portfolio_group_unique_identifier", ["unique_identifier"], IsUnique: true)]);

    /// <summary>
    /// The column a partitioned (or distributed) membership table is split by: the group, as the
    /// library's reads and writes are by group (docs/scale-out.md).
    /// </summary>
    internal const string MembershipDistributionColumn = "portfolio_group_uid";

    /// <summary>The <c>PortfolioGroupMembership</c> MetaTable: one row per (group, portfolio) pair.</summary>
    public static TableModel PortfolioGroupMembership { get; } = new(
        identifier: "PortfolioGroupMembership",
        physicalName: "portfolio_group_membership",
        description: "Membership of a portfolio in a portfolio group (many-to-many). Rows are deleted by the database when either the group or the portfolio is deleted.",
        columns:
        [
            new("uid", "Uid", "Primary key of the membership (a time-ordered UUID unless the caller supplied one).", ColumnKind.Uuid, IsNullable: false),
            new("portfolio_group_uid", "Portfolio group", "The group; references portfolio_group.uid, deleted with it.", ColumnKind.Uuid, IsNullable: false),
            new("portfolio_uid", "Portfolio", "The portfolio; references portfolio.uid, deleted with it.", ColumnKind.Uuid, IsNullable: false),
        ],
        primaryKeyName: "pk_portfolio_group_membership",
        primaryKeyColumn: "uid",
        foreignKeys:
        [
            new("fk_portfolio_group_membership_group", "portfolio_group_uid", "portfolio_group", "uid", DeleteRule.Cascade),
            new("fk_portfolio_group_membership_portfolio", "portfolio_uid", "portfolio", "uid", DeleteRule.Cascade),
        ],
        indexes:
        [
            // The pair index leads with portfolio_group_uid, so it is the group foreign key's index too.
            new("ux_portfolio_group_membership_pair", ["portfolio_group_uid", "portfolio_uid"], IsUnique: true),
            new("ix_portfolio_group_membership_portfolio", ["portfolio_uid"], IsUnique: false),
        ]);

    /// <summary>
    /// The <c>PortfolioGroupMembershipHistory</c> table: one row per interval during which a
    /// membership existed, kept by database triggers (migration 2026120102).
    /// </summary>
    public static TableModel PortfolioGroupMembershipHistory { get; } = new(
        identifier: "PortfolioGroupMembershipHistory",
        physicalName: "portfolio_group_membership_history",
        description: "The membership history: one row per interval during which a portfolio was in a group, written by database triggers for every insert, delete or update of portfolio_group_membership, whoever makes it (the library, a cascade from deleting a group or portfolio, plain SQL). A group's deletion ends all its open intervals at once by one row of portfolio_group_deletion_history, not by setting valid_to. It has no foreign keys, so it outlives deleted groups and portfolios. Memberships that existed when the history was created start at that instant (known since, not necessarily added then).",
        columns:
        [
            new("history_id", "History id", "Primary key of the interval; ascending in the order the intervals were opened, which orders the changes within one clock tick.", ColumnKind.WholeNumber, IsNullable: false),
            new("membership_uid", "Membership", "The uid the membership row had (portfolio_group_membership.uid); not a foreign key.", ColumnKind.Uuid, IsNullable: false),
            new("portfolio_group_uid", "Portfolio group", "The group's uid; not a foreign key, so the row outlives the group.", ColumnKind.Uuid, IsNullable: false),
            new("portfolio_uid", "Portfolio", "The portfolio's uid; not a foreign key, so the row outlives the portfolio.", ColumnKind.Uuid, IsNullable: false),
            new("group_unique_identifier", "Group unique identifier", "The group's unique identifier when the interval opened.", ColumnKind.BoundedText, IsNullable: false, MaxNameLength),
            new("portfolio_unique_identifier", "Portfolio unique identifier", "The portfolio's unique identifier when the interval opened.", ColumnKind.BoundedText, IsNullable: false, MaxNameLength),
            new("valid_from", "Valid from", "When the membership appeared (inclusive), by the database clock in UTC: the transaction's instant on PostgreSQL (microseconds), the statement's millisecond on SQLite.", ColumnKind.Instant, IsNullable: false),
            new("valid_to", "Valid to", "When the membership was removed (exclusive) while its group existed, by the same clock; null otherwise. An interval whose group was deleted keeps null here and ends at that group's deletion: the earliest row of portfolio_group_deletion_history with its group uid and a last_history_id at or above its history_id.", ColumnKind.Instant, IsNullable: true),
        ],
        primaryKeyName: "pk_portfolio_group_membership_history",
        primaryKeyColumn: "history_id",
        foreignKeys: [],
        indexes:
        [
            // Migration 2026120204: the orders of the paged reads (in place of 2026120102's group and portfolio indexes on valid_from).
            new("ix_portfolio_group_membership_history_group_opened", ["portfolio_group_uid", "history_id"], IsUnique: false),
            new("ix_portfolio_group_membership_history_portfolio_opened", ["portfolio_uid", "history_id"], IsUnique: false),

            // A group's portfolios as of an instant, and (migration 2026120303, in place of 2026120302's (group, portfolio) index) the open interval
            // a trigger closes: its pair's latest.
            new("ix_portfolio_group_membership_history_group_portfolio_opened", ["portfolio_group_uid", "portfolio_uid", "history_id"], IsUnique: false),
        ]);

    /// <summary>
    /// The <c>PortfolioGroupMembershipHistoryIdentifier</c> table: the unique identifiers the
    /// membership history recorded, one row per group or portfolio uid and identifier, kept by
    /// database triggers (migration 2026120207); a read that names a group or portfolio by an
    /// identifier it had then finds its uids here.
    /// </summary>
    public static TableModel PortfolioGroupMembershipHistoryIdentifier { get; } = new(
        identifier: "PortfolioGroupMembershipHistoryIdentifier",
        physicalName: "portfolio_group_membership_history_identifier",
        description: "The unique identifiers recorded in portfolio_group_membership_history, one row per group or portfolio uid and identifier, written by database triggers when a membership is inserted (or updated to another uid, group or portfolio), whoever writes it. It finds the uids a group or portfolio identifier named at some time, so the history needs no index on its identifier columns; it may hold identifiers whose intervals have been pruned. It has no foreign keys.",
        columns:
        [
            new("identifier_id", "Identifier id", "Primary key of the row; ascending in the order the rows were written.", ColumnKind.WholeNumber, IsNullable: false),
            new("side", "Side", "Whose identifier it is: 'group' (a portfolio group's) or 'portfolio'.", ColumnKind.BoundedText, IsNullable: false, MaxSideLength),
            new("unique_identifier", "Unique identifier", "The unique identifier the group or portfolio had when one of its membership intervals opened.", ColumnKind.BoundedText, IsNullable: false, MaxNameLength),
            new("uid", "Uid", "The group's or portfolio's uid; not a foreign key, so the row outlives the group or portfolio.", ColumnKind.Uuid, IsNullable: false),
        ],
        primaryKeyName: "pk_portfolio_group_membership_history_identifier",
        primaryKeyColumn: "identifier_id",
        foreignKeys: [],
        indexes:
        [
            new("ux_portfolio_group_membership_history_identifier", ["side", "unique_identifier", "uid"], IsUnique: true),
        ]);

    /// <summary>The <c>side</c> of a group's row in <see cref="PortfolioGroupMembershipHistoryIdentifier"/>.</summary>
    internal const string GroupSide = "group";

    /// <summary>The <c>side</c> of a portfolio's row in <see cref="PortfolioGroupMembershipHistoryIdentifier"/>.</summary>
    internal const string PortfolioSide = "portfolio";

    /// <summary>The longest <c>side</c> of <see cref="PortfolioGroupMembershipHistoryIdentifier"/> ('portfolio').</summary>
    internal const int MaxSideLength = 9;

    /// <summary>
    /// The <c>PortfolioGroupDeletionHistory</c> table: one row per deleted group, written by a
    /// database trigger before the delete (migration 2026120206); it ends all the group's open
    /// membership intervals at once.
    /// </summary>
    public static TableModel PortfolioGroupDeletionHistory { get; } = new(
        identifier: "PortfolioGroupDeletionHistory",
        physicalName: "portfolio_group_deletion_history",
        description: "The deletions of groups: one row per group deleted, written by a database trigger before each delete of portfolio_group, whoever makes it. It ends, at deleted_at, every interval of portfolio_group_membership_history of that group with a history_id at or below last_history_id and no valid_to (the memberships the deletion removed), so deleting a group writes one row, not one update per member. It has no foreign keys.",
        columns:
        [
            new("deletion_id", "Deletion id", "Primary key of the deletion; ascending in the order the groups were deleted.", ColumnKind.WholeNumber, IsNullable: false),
            new("portfolio_group_uid", "Portfolio group", "The deleted group's uid; not a foreign key.", ColumnKind.Uuid, IsNullable: false),
            new("group_unique_identifier", "Group unique identifier", "The group's unique identifier when it was deleted.", ColumnKind.BoundedText, IsNullable: false, MaxNameLength),
            new("deleted_at", "Deleted at", "When the group was deleted, by the clock of the membership history's valid_from: the transaction's instant on PostgreSQL, the statement's millisecond on SQLite.", ColumnKind.Instant, IsNullable: false),
            new("last_history_id", "Last history id", "The largest history_id of the group's intervals when it was deleted (0 when it had none): the intervals it ends are those of the group at or below it, so a group made again with the same uid keeps its new intervals open.", ColumnKind.WholeNumber, IsNullable: false),
        ],
        primaryKeyName: "pk_portfolio_group_deletion_history",
        primaryKeyColumn: "deletion_id",
        foreignKeys: [],
        indexes:
        [
            new("ix_portfolio_group_deletion_history_group", ["portfolio_group_uid", "last_history_id"], IsUnique: false),
            new("ix_portfolio_group_deletion_history_deleted_at", ["deleted_at"], IsUnique: false),
        ]);

    /// <summary>The catalog table, refreshed after every migration, that describes the MetaTables from inside the database.</summary>
    public static TableModel Catalog { get; } = new(
        identifier: "PortfolioGroupsCatalog",
        physicalName: "portfoliogroups_catalog",
        description: "Catalog of the PortfolioGroups MetaTables, refreshed after every migration, so tools can discover the schema from the database itself.",
        columns:
        [
            new("meta_table_identifier", "MetaTable identifier", "The logical MetaTable identifier, such as PortfolioGroup.", ColumnKind.BoundedText, IsNullable: false, MaxNameLength),
            new("physical_name", "Physical name", "The physical table name, such as portfolio_group.", ColumnKind.BoundedText, IsNullable: false, MaxNameLength),
            new("description", "Description", "What the table holds.", ColumnKind.Text, IsNullable: false),
            new("columns_json", "Columns", "JSON array of the table's columns: name, label, description, kind, nullable, max_length.", ColumnKind.Json, IsNullable: false),
            new("schema_version", "Schema version", "The latest applied migration version when the catalog was written.", ColumnKind.WholeNumber, IsNullable: false),
        ],
        primaryKeyName: "pk_portfoliogroups_catalog",
        primaryKeyColumn: "meta_table_identifier",
        foreignKeys: [],
        indexes: []);

    /// <summary>The three MetaTables (portfolio, group, membership), in dependency order.</summary>
    public static IReadOnlyList<TableModel> MetaTables { get; } = [Portfolio, PortfolioGroup, PortfolioGroupMembership];

    /// <summary>Every table the library creates besides its version table: the MetaTables, the membership history, the group deletions, the history's identifiers and the catalog.</summary>
    public static IReadOnlyList<TableModel> AllTables { get; } = [Portfolio, PortfolioGroup, PortfolioGroupMembership, PortfolioGroupMembershipHistory, PortfolioGroupDeletionHistory, PortfolioGroupMembershipHistoryIdentifier, Catalog];

    /// <summary>
    /// The triggers on portfolio_group_membership that keep the membership history (migration
    /// 2026120102): after insert, after delete, after update; PostgreSQL has one more, after truncate.
    /// </summary>
    internal static IReadOnlyList<string> HistoryTriggers { get; } =
    [
        "portfolio_group_membership_history_on_insert",
        "portfolio_group_membership_history_on_delete",
        "portfolio_group_membership_history_on_update",
    ];

    /// <summary>
    /// The trigger on portfolio_group_membership that keeps <see cref="PortfolioGroupMembershipHistoryIdentifier"/>
    /// after an update (migration 2026120207); after an insert, the history's insert trigger keeps it.
    /// </summary>
    internal static IReadOnlyList<string> HistoryIdentifierTriggers { get; } =
    [
        "portfolio_group_membership_history_identifier_on_update",
    ];

    /// <summary>The trigger on portfolio_group that records a group's deletion in <see cref="PortfolioGroupDeletionHistory"/> (migration 2026120206).</summary>
    internal const string GroupDeletionTrigger = "portfolio_group_deletion_history_on_delete";

    /// <summary>
    /// The MetaTables of a store whose portfolios are in <paramref name="portfolioTable"/>: for
    /// <see cref="PortfolioGroups.PortfolioTable.Library"/>, <see cref="MetaTables"/>; for a host's
    /// table (<see cref="PortfolioGroups.PortfolioTable.Existing"/>), <c>Portfolio</c> is the host's
    /// table (its physical name, schema-qualified when a schema is named, and its mapped columns,
    /// without a display name when none is mapped; its other columns and indexes are the host's and not
    /// described), and the membership's portfolio foreign key references the host's uid column.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="portfolioTable"/> is null.</exception>
    public static IReadOnlyList<TableModel> MetaTablesFor(PortfolioTable portfolioTable)
    {
        ArgumentNullException.ThrowIfNull(portfolioTable);
        if (portfolioTable.IsLibrary)
        {
            return MetaTables;
        }

        var host = portfolioTable;
        string? Mapped(string column) => column switch
        {
            "uid" => host.UidColumn,
            "unique_identifier" => host.UniqueIdentifierColumn,
            _ => host.DisplayNameColumn,
        };
        var portfolio = new TableModel(
            Portfolio.Identifier,
            host.Schema is null ? host.Table! : $"{host.Schema}.{host.Table}",
            $"{Portfolio.Description} The host application's table, which it owns and writes; the library reads it ({host}).",
            [.. Portfolio.Columns.Where(c => Mapped(c.Name) is not null).Select(c => c with { Name = Mapped(c.Name)! })],
            primaryKeyName: "",
            primaryKeyColumn: host.UidColumn,
            foreignKeys: [],
            indexes: []);
        var membership = new TableModel(
            PortfolioGroupMembership.Identifier,
            PortfolioGroupMembership.PhysicalName,
            PortfolioGroupMembership.Description,
            PortfolioGroupMembership.Columns,
            PortfolioGroupMembership.PrimaryKeyName,
            PortfolioGroupMembership.PrimaryKeyColumn,
            [.. PortfolioGroupMembership.ForeignKeys.Select(f => f.PrincipalTable == Portfolio.PhysicalName ? f with { PrincipalTable = host.Table!, PrincipalColumn = host.UidColumn } : f)],
            PortfolioGroupMembership.Indexes);
        return [portfolio, PortfolioGroup, membership];
    }

    /// <summary>
    /// The named rules the migrations make the database enforce on each table (CHECK constraints,
    /// or on SQLite triggers where a CHECK cannot hold the rule; the triggers that keep the
    /// membership history), by physical table name: the
    /// drift check reports a missing one. Type-level rules (a uuid or jsonb column, a JSON object
    /// check) are part of the column's type and not listed.
    /// </summary>
    internal static IReadOnlyDictionary<string, IReadOnlyList<string>> Rules { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        [Portfolio.PhysicalName] = ["ck_portfolio_unique_identifier", "ck_portfolio_display_name"],
        [PortfolioGroup.PhysicalName] = ["ck_portfolio_group_unique_identifier", "ck_portfolio_group_display_name", MetadataDepthRule, GroupDeletionTrigger],
        [PortfolioGroupMembership.PhysicalName] = [.. HistoryTriggers, .. HistoryIdentifierTriggers],
    };

    /// <summary>
    /// Where a rule is two triggers (SQLite, whose CHECK cannot hold a subquery), their names: the
    /// rule's name with these suffixes, the BEFORE INSERT trigger first, then the BEFORE UPDATE one.
    /// </summary>
    internal static IReadOnlyList<string> RuleTriggerSuffixes { get; } = ["_on_insert", "_on_update"];

    /// <summary>The rule that metadata nests at most 64 levels (migration 2026120101).</summary>
    internal const string MetadataDepthRule = "ck_portfolio_group_metadata_json_depth";

    /// <summary>
    /// The named rules of <see cref="Rules"/> a store whose portfolios are in <paramref name="portfolioTable"/>
    /// expects: for a host's table, none on the portfolio table (the host owns its rules; the migrations never add one there).
    /// </summary>
    internal static IReadOnlyDictionary<string, IReadOnlyList<string>> RulesFor(PortfolioTable portfolioTable) =>
        portfolioTable.IsLibrary
            ? Rules
            : Rules.Where(rule => rule.Key != Portfolio.PhysicalName).ToDictionary(rule => rule.Key, rule => rule.Value, StringComparer.Ordinal);

    /// <summary>Finds a table by MetaTable identifier or physical name (ordinal comparison).</summary>
    /// <returns>The table, or null when there is none by that name.</returns>
    public static TableModel? FindTable(string name) =>
        AllTables.FirstOrDefault(t => t.Identifier == name || t.PhysicalName == name);
}
