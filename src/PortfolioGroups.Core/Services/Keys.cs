using PortfolioGroups.Storage;

namespace PortfolioGroups.Services;

/// <summary>A validated reference to one row: its uid, or its (trimmed) unique identifier.</summary>
internal readonly record struct RowKey(Guid? Uid, string? UniqueIdentifier)
{
    public bool IsUid => Uid.HasValue;

    /// <summary>The column the key is looked up by.</summary>
    public string Column => IsUid ? "uid" : "unique_identifier";

    public static RowKey From(Guid? uid, string? uniqueIdentifier, string field)
    {
        if (uid is { } value)
        {
            return new RowKey(Guard.Uid(value, field), null);
        }

        if (uniqueIdentifier is null)
        {
            throw new InvalidValueException(field, "names no row (pass a row, a uid or a unique identifier).");
        }

        return new RowKey(null, Guard.UniqueIdentifier(uniqueIdentifier, field));
    }

    /// <summary>The key's value as a parameter.</summary>
    public object Value(SqlDialect dialect) => IsUid ? dialect.Uid(Uid!.Value) : UniqueIdentifier!;

    public RowNotFoundException NotFound(string table) =>
        new(table, Column, Uid?.ToString() ?? UniqueIdentifier!);

    public override string ToString() => Uid?.ToString() ?? UniqueIdentifier ?? "";
}

/// <summary>A validated set of rows named by uids and/or unique identifiers, for bulk calls and filters.</summary>
internal sealed class KeySet
{
    private KeySet(IReadOnlyCollection<Guid>? uids, IReadOnlyCollection<string>? uniqueIdentifiers)
    {
        Uids = uids;
        UniqueIdentifiers = uniqueIdentifiers;
    }

    /// <summary>The uids, or null when the caller gave none.</summary>
    public IReadOnlyCollection<Guid>? Uids { get; }

    /// <summary>The unique identifiers, trimmed, or null when the caller gave none.</summary>
    public IReadOnlyCollection<string>? UniqueIdentifiers { get; }

    /// <summary>Whether the caller named a set at all (possibly an empty one).</summary>
    public bool IsGiven => Uids is not null || UniqueIdentifiers is not null;

    /// <summary>Whether the set names no row.</summary>
    public bool IsEmpty => (Uids?.Count ?? 0) == 0 && (UniqueIdentifiers?.Count ?? 0) == 0;

    public static KeySet From(IEnumerable<Guid>? uids, IEnumerable<string>? uniqueIdentifiers, string uidsField, string identifiersField)
    {
        var uidList = uids?.Select(u => Guard.Uid(u, uidsField)).Distinct().ToArray();
        var idList = uniqueIdentifiers?.Select(i => Guard.UniqueIdentifier(i, identifiersField)).Distinct(StringComparer.Ordinal).ToArray();
        return new KeySet(uidList, idList);
    }

    public static KeySet From<TRef>(IEnumerable<TRef>? references, Func<TRef, RowKey> toKey)
    {
        if (references is null)
        {
            return new KeySet(null, null);
        }

        var keys = references.Select(toKey).ToList();
        return new KeySet(
            [.. keys.Where(k => k.IsUid).Select(k => k.Uid!.Value).Distinct()],
            [.. keys.Where(k => !k.IsUid).Select(k => k.UniqueIdentifier!).Distinct(StringComparer.Ordinal)]);
    }
}

/// <summary>A validated page request: size, the row limit to fetch (one more, to know if more follow), and the cursor.</summary>
internal readonly record struct PageQuery(int Size, Guid? After)
{
    public static PageQuery From(PageRequest? page)
    {
        page ??= new PageRequest();
        if (page.Size is < 1 or > PageRequest.MaxSize)
        {
            throw new InvalidValueException("page.Size", $"must be between 1 and {PageRequest.MaxSize} (got {page.Size}).");
        }

        Guid? after = null;
        if (page.After is not null)
        {
            if (!Guid.TryParseExact(page.After, "N", out var cursor))
            {
                throw new InvalidValueException("page.After", "is not a cursor returned by a previous page.");
            }

            after = cursor;
        }

        return new PageQuery(page.Size, after);
    }

    public Page<T> ToPage<T>(List<T> rows, Func<T, Guid> orderKey)
    {
        if (rows.Count <= Size)
        {
            return new Page<T>(rows, Size, null);
        }

        rows.RemoveAt(rows.Count - 1);
        return new Page<T>(rows, Size, orderKey(rows[^1]).ToString("N"));
    }
}
