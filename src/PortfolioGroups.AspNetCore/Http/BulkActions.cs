using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace PortfolioGroups.AspNetCore.Http;

/// <summary>
/// Reads a Command Center bulk-action request (<c>command-center.bulk_action_execution@v1</c>):
/// <c>{"selection": {"mode": "explicit", "uids": [...]}, "options": {}}</c>. The actions here
/// advertise only the explicit mode and no options, so anything else is a 400 that says so.
/// </summary>
internal static class BulkActions
{
    private static readonly string[] RequestFields = ["selection", "options"];
    private static readonly string[] SelectionFields = ["mode", "uids"];

    /// <summary>The selection's uids, distinct, in the order given; every problem is one 400 naming its field.</summary>
    public static async Task<List<Guid>> ReadExplicitUidsAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync(context.Request, RequestBody.BulkLimit, RequestFields, cancellationToken).ConfigureAwait(false);
        var selection = body.RequiredObject("selection");
        var options = body.RequiredObject("options");
        var errors = body.Errors;
        if (options is { } given && given.EnumerateObject().Any())
        {
            var names = given.EnumerateObject().Select(o => o.Name).Order(StringComparer.Ordinal);
            errors.Add("options", $"This bulk action does not support options: {string.Join(", ", names)}.");
        }

        var uids = new List<Guid>();
        if (selection is { } chosen)
        {
            ReadSelection(chosen, errors, uids);
        }

        body.ThrowIfInvalid();
        return uids;
    }

    private static void ReadSelection(JsonElement selection, FieldErrors errors, List<Guid> uids)
    {
        if (!selection.TryGetProperty("mode", out var mode) || mode.ValueKind != JsonValueKind.String)
        {
            errors.Add("selection.mode", "Must be \"explicit\".");
            return;
        }

        if (mode.GetString() != "explicit")
        {
            errors.Add("selection.mode", mode.GetString() == "all_matching"
                ? "This bulk action supports only explicit UID selection."
                : $"Unknown selection mode '{Uids.Shorten(mode.GetString() ?? "")}'; this bulk action supports only \"explicit\".");
            return;
        }

        foreach (var property in selection.EnumerateObject())
        {
            if (!SelectionFields.Contains(property.Name, StringComparer.Ordinal))
            {
                errors.Add($"selection.{property.Name}", "Unknown field; an explicit selection takes mode and uids.");
            }
        }

        if (!selection.TryGetProperty("uids", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            errors.Add("selection.uids", list.ValueKind == JsonValueKind.Undefined ? "This field is required." : $"Must be an array, not a JSON {RequestBody.KindOf(list)}.");
            return;
        }

        if (list.GetArrayLength() == 0)
        {
            errors.Add("selection.uids", "Must name at least one uid.");
            return;
        }

        var seen = new HashSet<Guid>();
        var position = 0;
        foreach (var item in list.EnumerateArray())
        {
            var field = $"selection.uids[{position++}]";
            var text = item.ValueKind switch
            {
                JsonValueKind.String => item.GetString() ?? "",
                JsonValueKind.Number => item.GetRawText(),
                _ => null,
            };
            if (text is null)
            {
                errors.Add(field, $"Must be a string, not a JSON {RequestBody.KindOf(item)}.");
            }
            else if (!Uids.TryParse(text, out var uid))
            {
                errors.Add(field, $"Bulk-action resource id '{Uids.Shorten(text)}' is not a UUID.");
            }
            else if (!seen.Add(uid))
            {
                errors.Add(field, "Bulk-action resource ids must be unique.");
            }
            else
            {
                uids.Add(uid);
            }
        }
    }

    /// <summary>msm's preflight answer for an explicit selection of groups.</summary>
    public static BulkActionPreflightResponse Preflight(GroupBulkDeleteCheck check)
    {
        var blockers = Blockers(check);
        var detail = check.Allowed
            ? $"{check.MatchedCount} portfolio group{(check.MatchedCount == 1 ? " is" : "s are")} ready for deletion."
            : "The portfolio-group selection cannot be deleted as submitted.";
        return new BulkActionPreflightResponse(check.Allowed, detail, check.MatchedCount, blockers, [], check.MembershipCount);
    }

    /// <summary>One message per uid that names no group.</summary>
    public static List<string> Blockers(GroupBulkDeleteCheck check) =>
        [.. check.Missing.Select(uid => $"Portfolio group {uid} was not found.")];
}
