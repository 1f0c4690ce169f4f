using System.Text.RegularExpressions;

namespace PortfolioGroups;

/// <summary>
/// Which table holds the portfolios (<see cref="PortfolioStoreOptions.PortfolioTable"/>): the
/// library's own <c>portfolio</c> table (<see cref="Library"/>, the default), or a table the host
/// application already has and keeps owning (<see cref="Existing"/>).
/// </summary>
/// <remarks>
/// With a host's table the library reads portfolios from it (every read, filter, listing, set
/// query, stream and membership call) and never writes it: portfolio writes through the library
/// are refused with an <see cref="InvalidOperationException"/>, and migrations create only the
/// group, membership and catalog tables, the membership's foreign key (<c>ON DELETE CASCADE</c>)
/// pointing at the host's table. Opening the store checks the host's key columns and refuses a
/// table that does not fit with a <see cref="StoreOpenException"/>
/// (<see cref="StoreOpenFailure.PortfolioTableMismatch"/>). See docs/hosting.md.
/// </remarks>
public sealed partial class PortfolioTable
{
    private PortfolioTable(string? table, string uidColumn, string uniqueIdentifierColumn, string? displayNameColumn, string? schema)
    {
        Table = table;
        UidColumn = uidColumn;
        UniqueIdentifierColumn = uniqueIdentifierColumn;
        DisplayNameColumn = displayNameColumn;
        Schema = schema;
    }

    /// <summary>The library's own <c>portfolio</c> table, created and written by the library (the default).</summary>
    public static PortfolioTable Library { get; } = new(null, "uid", "unique_identifier", "display_name", null);

    /// <summary>
    /// A table the host application owns. Its uid column must be its primary key, or unique and not
    /// null, of type <c>uuid</c> on PostgreSQL or text (canonical lower-case uids) on SQLite; its
    /// unique-identifier column must be unique and not null. It may have any other columns.
    /// </summary>
    /// <param name="table">The host's table.</param>
    /// <param name="uidColumn">The column that holds each portfolio's uid.</param>
    /// <param name="uniqueIdentifierColumn">The column that holds each portfolio's unique identifier.</param>
    /// <param name="displayNameColumn">The column read as the display name; null when the table has none (<see cref="Portfolio.DisplayName"/> is then null).</param>
    /// <param name="schema">PostgreSQL only: the schema that holds the table; null for the store's own schema (<see cref="PortfolioStoreOptions.PostgresSchema"/>). Must be null on SQLite.</param>
    /// <remarks>
    /// Every name is a plain identifier: lower-case letters, digits and underscores, starting with a
    /// letter or underscore, at most 63 characters.
    /// </remarks>
    /// <exception cref="InvalidValueException">A name is not a plain identifier (the message names the parameter).</exception>
    public static PortfolioTable Existing(string table, string uidColumn = "uid", string uniqueIdentifierColumn = "unique_identifier", string? displayNameColumn = null, string? schema = null)
    {
        CheckName(table, nameof(table));
        CheckName(uidColumn, nameof(uidColumn));
        CheckName(uniqueIdentifierColumn, nameof(uniqueIdentifierColumn));
        if (displayNameColumn is not null)
        {
            CheckName(displayNameColumn, nameof(displayNameColumn));
        }

        if (schema is not null)
        {
            CheckName(schema, nameof(schema));
        }

        if (uidColumn == uniqueIdentifierColumn || uidColumn == displayNameColumn || uniqueIdentifierColumn == displayNameColumn)
        {
            throw new InvalidValueException(nameof(uniqueIdentifierColumn), "the uid, unique-identifier and display-name columns must be three different columns.");
        }

        return new PortfolioTable(table, uidColumn, uniqueIdentifierColumn, displayNameColumn, schema);
    }

    /// <summary>True for the library's own table (<see cref="Library"/>); false for a host's table.</summary>
    public bool IsLibrary => Table is null;

    /// <summary>The host's table; null for <see cref="Library"/>.</summary>
    public string? Table { get; }

    /// <summary>The column that holds the uid.</summary>
    public string UidColumn { get; }

    /// <summary>The column that holds the unique identifier.</summary>
    public string UniqueIdentifierColumn { get; }

    /// <summary>The column read as the display name; null when the host's table has none.</summary>
    public string? DisplayNameColumn { get; }

    /// <summary>The PostgreSQL schema of the host's table; null for the store's own schema.</summary>
    public string? Schema { get; }

    /// <summary>The mapping in words, such as <c>Existing(host_portfolio: uid = id, unique_identifier = code, display_name = none)</c>.</summary>
    public override string ToString() => IsLibrary
        ? "Library"
        : $"Existing({(Schema is null ? "" : Schema + ".")}{Table}: uid = {UidColumn}, unique_identifier = {UniqueIdentifierColumn}, display_name = {DisplayNameColumn ?? "none"})";

    private static void CheckName(string? name, string parameter)
    {
        if (name is null || !Identifier().IsMatch(name))
        {
            throw new InvalidValueException(
                parameter,
                $"'{name}' is not a plain identifier (lower-case letters, digits and underscores, starting with a letter or underscore, at most 63 characters).");
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex Identifier();
}
