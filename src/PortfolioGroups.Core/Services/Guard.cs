using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json;
using PortfolioGroups.Repositories;
using PortfolioGroups.Schema;

namespace PortfolioGroups.Services;

/// <summary>
/// Argument checks, one rule for all: a null argument is <see cref="ArgumentNullException"/>
/// naming the parameter; a bad value (including a bad item inside a collection, or a reference
/// that names no row) is <see cref="InvalidValueException"/> naming the field. The checks also
/// turn the caller's references, key lists and page requests into the repositories' validated
/// <see cref="RowKey"/>, <see cref="KeySet"/> and <see cref="PageQuery"/>.
/// </summary>
internal static class Guard
{
    public static T NotNull<T>([NotNull] T? value, [CallerArgumentExpression(nameof(value))] string? parameter = null)
        where T : class =>
        value ?? throw new ArgumentNullException(parameter);

    /// <summary>The key of a portfolio reference.</summary>
    public static RowKey Key(PortfolioRef portfolio, string field) => Key(portfolio.Uid, portfolio.UniqueIdentifier, field);

    /// <summary>The key of a group reference.</summary>
    public static RowKey Key(PortfolioGroupRef group, string field) => Key(group.Uid, group.UniqueIdentifier, field);

    /// <summary>The set named by uids and/or unique identifiers; a null list is "not given".</summary>
    public static KeySet Keys(IEnumerable<Guid>? uids, IEnumerable<string>? uniqueIdentifiers, string uidsField, string identifiersField) =>
        new(
            uids is null ? null : DistinctUids(uids, uidsField),
            uniqueIdentifiers?.Select(i => UniqueIdentifier(i, identifiersField)).Distinct(StringComparer.Ordinal).ToArray());

    /// <summary>
    /// Each uid checked, and each once, in the order given. The caller's array is the set itself
    /// when it names no uid twice (the common case), so a set of 40,000 uids is neither copied nor
    /// held in a <see cref="HashSet{T}"/>: the check is one pass over a pooled index of positions
    /// (<see cref="UidTable"/>), and only a set with repeats is copied, without them. Another
    /// collection is copied to an array once. (A <see cref="HashSet{T}"/> and the array made from
    /// it allocated 1.8 MB for 40,000 uids, in the large object heap, on every call.)
    /// </summary>
    private static Guid[] DistinctUids(IEnumerable<Guid> uids, string field)
    {
        var given = uids as Guid[] ?? [.. uids];
        foreach (var uid in given)
        {
            Uid(uid, field);
        }

        return Distinct(given);
    }

    /// <summary>The uids of <paramref name="given"/>, each once, in their first places: <paramref name="given"/> itself when no uid repeats.</summary>
    private static Guid[] Distinct(Guid[] given)
    {
        if (given.Length < 2)
        {
            return given;
        }

        using var table = new UidTable(given);
        var distinct = 0;
        for (var i = 0; i < given.Length; i++)
        {
            distinct += table.Add(i) ? 1 : 0;
        }

        if (distinct == given.Length)
        {
            return given;
        }

        // Repeats: a second pass keeps each uid's first place.
        table.Clear();
        var kept = new Guid[distinct];
        var next = 0;
        for (var i = 0; i < given.Length; i++)
        {
            if (table.Add(i))
            {
                kept[next++] = given[i];
            }
        }

        return kept;
    }

    /// <summary>The set named by references; a null list is "not given".</summary>
    public static KeySet Keys<TRef>(IEnumerable<TRef>? references, Func<TRef, RowKey> toKey)
    {
        if (references is null)
        {
            return KeySet.NotGiven;
        }

        // One pass: the uids (already checked by toKey) into one array, deduplicated as the
        // uids of Keys are; the identifiers apart.
        var uids = new List<Guid>(references.TryGetNonEnumeratedCount(out var count) ? count : 0);
        var identifiers = new List<string>();
        foreach (var reference in references)
        {
            var key = toKey(reference);
            if (key.IsUid)
            {
                uids.Add(key.Uid!.Value);
            }
            else
            {
                identifiers.Add(key.UniqueIdentifier!);
            }
        }

        return new KeySet(Distinct([.. uids]), [.. identifiers.Distinct(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// The set a bulk delete names, by uids and/or unique identifiers; a call that names neither is
    /// refused (a bulk delete never means "everything"). <paramref name="rowsName"/> says what the
    /// rows are, for the message.
    /// </summary>
    public static KeySet DeleteKeys(IEnumerable<Guid>? uids, IEnumerable<string>? uniqueIdentifiers, string rowsName)
    {
        if (uids is null && uniqueIdentifiers is null)
        {
            throw new InvalidValueException("uids, uniqueIdentifiers", $"name no {rowsName}; pass uids and/or unique identifiers (a bulk delete never means \"everything\").");
        }

        return Keys(uids, uniqueIdentifiers, nameof(uids), nameof(uniqueIdentifiers));
    }

    /// <summary>
    /// Checks each item of a streamed input as it is consumed (never all at once): a null item, or
    /// a bad value that <paramref name="check"/> finds, is an <see cref="InvalidValueException"/>
    /// whose field says the item's position, such as <c>rows[12].UniqueIdentifier</c>.
    /// </summary>
    /// <param name="items">The input; enumerated once.</param>
    /// <param name="field">The input's parameter name.</param>
    /// <param name="check">Checks one item; names the bad field inside the item (or an empty field for the item itself).</param>
    /// <param name="cancellationToken">Passed to the input's enumerator.</param>
    public static async IAsyncEnumerable<TOut> EachItem<TIn, TOut>(
        IAsyncEnumerable<TIn> items,
        string field,
        Func<TIn, TOut> check,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long position = 0;
        await foreach (var item in items.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            TOut checkedItem;
            try
            {
                checkedItem = item is null ? throw new InvalidValueException("", "must not be null.") : check(item);
            }
            catch (InvalidValueException ex)
            {
                // Checked with the field inside the item; named here with its position, only when bad.
                throw new InvalidValueException($"{field}[{position}]{(ex.Field.Length == 0 ? "" : "." + ex.Field)}", ex.Reason);
            }

            yield return checkedItem;
            position++;
        }
    }

    /// <summary>Checks a page request of <paramref name="listing"/>: its size, and that its cursor (if any) continues this very listing.</summary>
    public static PageQuery Page(PageRequest page, Listing listing)
    {
        NotNull(page);
        if (page.Size is < 1 or > PageRequest.MaxSize)
        {
            throw new InvalidValueException("page.Size", $"must be between 1 and {PageRequest.MaxSize} (got {page.Size}).");
        }

        Guid? after = page.After is null ? null : Cursor.Decode(page.After, listing, "page.After");
        return new PageQuery(page.Size, after, listing);
    }

    /// <summary>An offset page request, checked: offset 0 or more, limit 1 to <see cref="OffsetPageRequest.MaxLimit"/>.</summary>
    public static OffsetQuery OffsetPage(OffsetPageRequest? page)
    {
        page ??= new OffsetPageRequest();
        if (page.Limit is < 1 or > OffsetPageRequest.MaxLimit)
        {
            throw new InvalidValueException("page.Limit", $"must be between 1 and {OffsetPageRequest.MaxLimit} (got {page.Limit}).");
        }

        if (page.Offset < 0)
        {
            throw new InvalidValueException("page.Offset", $"must be 0 or more (got {page.Offset}).");
        }

        return new OffsetQuery(page.Offset, page.Limit);
    }

    /// <summary>Search text as a listing takes it: trimmed; empty or blank means no search.</summary>
    public static string? SearchText(string? value, string field)
    {
        var text = OptionalText(value, field)?.Trim();
        return string.IsNullOrEmpty(text) ? null : text;
    }

    /// <summary>Checks a unique identifier and returns it trimmed.</summary>
    public static string UniqueIdentifier(string? value, string field)
    {
        if (value is null)
        {
            throw new InvalidValueException(field, "must not be null.");
        }

        var trimmed = value.Trim();
        if (trimmed.Length == 0)
        {
            throw new InvalidValueException(field, "must not be empty or whitespace.");
        }

        CheckLength(trimmed, field);
        CheckUnicode(trimmed, field);
        foreach (var c in trimmed)
        {
            if (char.IsControl(c))
            {
                throw new InvalidValueException(field, $"must not contain control characters (found U+{(int)c:X4}).");
            }
        }

        return trimmed;
    }

    /// <summary>Checks a required display name: not empty or whitespace, at most 255 characters.</summary>
    public static string DisplayName(string? value, string field)
    {
        if (value is null)
        {
            throw new InvalidValueException(field, "must not be null.");
        }

        return OptionalDisplayName(value, field)!;
    }

    /// <summary>Checks an optional display name: null, or not whitespace and at most 255 characters.</summary>
    public static string? OptionalDisplayName(string? value, string field)
    {
        if (value is null)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidValueException(field, "must not be empty or whitespace (pass null for none).");
        }

        CheckLength(value, field);
        CheckUnicode(value, field);
        return value;
    }

    /// <summary>Checks free text (a description, a search): null, or text both databases can store.</summary>
    public static string? OptionalText(string? value, string field)
    {
        if (value is not null)
        {
            CheckUnicode(value, field);
        }

        return value;
    }

    /// <summary>Checks metadata: null or a JSON object; returns its text.</summary>
    public static string? Metadata(JsonElement? value, string field)
    {
        if (value is not { } element)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidValueException(field, $"must be a JSON object or null, not a JSON {element.ValueKind.ToString().ToLowerInvariant()}.");
        }

        // Re-read the text with the reader's defaults, the limits every read of it will have: no
        // comments, no trailing commas, at most 64 levels (the reader is not recursive, so no depth
        // can exhaust the stack here). What passes is what the library can read back.
        var text = element.GetRawText();
        try
        {
            using var plain = JsonDocument.Parse(text);
            CheckJsonStrings(plain.RootElement, field);
        }
        catch (JsonException ex)
        {
            throw new InvalidValueException(field, $"must be plain JSON (no comments or trailing commas) nested at most {MetadataMaxDepth} levels deep: {ex.Message}");
        }

        return text;
    }

    /// <summary>How deep metadata may nest: the default of System.Text.Json's reader, which reads it back.</summary>
    public const int MetadataMaxDepth = 64;

    private static RowKey Key(Guid? uid, string? uniqueIdentifier, string field)
    {
        if (uid is { } value)
        {
            return new RowKey(Uid(value, field), null);
        }

        if (uniqueIdentifier is null)
        {
            throw new InvalidValueException(field, "names no row (pass a row, a uid or a unique identifier).");
        }

        return new RowKey(null, UniqueIdentifier(uniqueIdentifier, field));
    }

    public static Guid Uid(Guid value, string field)
    {
        if (value == Guid.Empty)
        {
            throw new InvalidValueException(field, "must not be the empty UUID.");
        }

        return value;
    }

    /// <summary>
    /// Refuses what PostgreSQL cannot store in text (U+0000) and what is not Unicode at all (an
    /// unpaired surrogate, which SQLite would silently turn into U+FFFD), so both databases store
    /// exactly what the caller passed.
    /// </summary>
    private static void CheckUnicode(string value, string field)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0')
            {
                throw new InvalidValueException(field, "must not contain the NUL character (U+0000).");
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                throw new InvalidValueException(field, $"is not valid Unicode: an unpaired surrogate U+{(int)c:X4} at position {i}.");
            }
        }
    }

    private static void CheckJsonStrings(JsonElement element, string field)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException ex)
                    {
                        // An escaped lone surrogate (\udc00) cannot be decoded to a .NET string.
                        throw new InvalidValueException(field, $"contains a JSON property name that is not valid Unicode ({ex.Message})");
                    }

                    CheckUnicode(name, field);
                    CheckJsonStrings(property.Value, field);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    CheckJsonStrings(item, field);
                }

                break;
            case JsonValueKind.String:
                string text;
                try
                {
                    text = element.GetString()!;
                }
                catch (InvalidOperationException ex)
                {
                    throw new InvalidValueException(field, $"contains a JSON string that is not valid Unicode ({ex.Message})");
                }

                CheckUnicode(text, field);
                break;
        }
    }

    private static void CheckLength(string value, string field)
    {
        // Counted in Unicode scalar values, as PostgreSQL counts varchar(255).
        if (value.Length > SchemaModel.MaxNameLength && CountRunes(value) > SchemaModel.MaxNameLength)
        {
            throw new InvalidValueException(field, $"must be at most {SchemaModel.MaxNameLength} characters (got {CountRunes(value)}).");
        }
    }

    private static int CountRunes(string value)
    {
        var count = 0;
        foreach (var _ in value.EnumerateRunes())
        {
            count++;
        }

        return count;
    }
}
