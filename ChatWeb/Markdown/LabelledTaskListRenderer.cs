using Markdig.Extensions.TaskLists;
using Markdig.Renderers;
using Markdig.Renderers.Html;

namespace ChatWeb.Markdown;

/// <summary>
/// A task-list item's box, read-only as before, with an accessible name ("Done" or "Not done"):
/// a checkbox without one is a critical accessibility failure (axe "label").
/// </summary>
internal sealed class LabelledTaskListRenderer : HtmlObjectRenderer<TaskList>
{
    protected override void Write(HtmlRenderer renderer, TaskList taskList)
    {
        renderer.Write(taskList.Checked
            ? "<input type=\"checkbox\" disabled=\"disabled\" checked=\"checked\" aria-label=\"Done\" />"
            : "<input type=\"checkbox\" disabled=\"disabled\" aria-label=\"Not done\" />");
    }
}
