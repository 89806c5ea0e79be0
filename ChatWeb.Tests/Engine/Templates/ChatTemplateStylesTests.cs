using ChatWeb.Engine.Templates;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatWeb.Tests.Engine.Templates;

/// <summary>ChatML, Llama-3, Phi-3 and Mistral style templates, written here, render to exact strings.</summary>
public sealed class ChatTemplateStylesTests
{
    // A multi-line ChatML template: trim_blocks and lstrip_blocks decide every newline.
    private const string ChatMLTemplate = """
        {% for message in messages %}
          {% if loop.first and message.role != 'system' %}
        <|im_start|>system
        You are a helpful assistant.<|im_end|>
          {% endif %}
        <|im_start|>{{ message.role }}
        {{ message.content | trim }}<|im_end|>
        {% endfor %}
        {% if add_generation_prompt %}
        <|im_start|>assistant
        {% endif %}
        """;

    private const string Llama3Template =
        "{% set loop_messages = messages %}{% for message in loop_messages %}" +
        "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}" +
        "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

    private const string Phi3Template =
        "{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\n' + message['content'] + '<|end|>\n'}}" +
        "{% elif message['role'] == 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}" +
        "{% elif message['role'] == 'assistant' %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}";

    private const string MistralTemplate =
        "{{ bos_token }}{% for message in messages %}" +
        "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
        "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
        "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}" +
        "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}" +
        "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

    private static string Render(string template, ChatTurn[] turns, bool addGenerationPrompt = true, string bos = "", string eos = "") =>
        new ChatPromptFormatter(template, bos, eos, NullLogger.Instance).Format(turns, addGenerationPrompt);

    [Fact]
    public void ChatML_AddsDefaultSystemAndGenerationPrompt()
    {
        Assert.Equal(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" +
            "<|im_start|>user\nHi there<|im_end|>\n" +
            "<|im_start|>assistant\nHello.<|im_end|>\n" +
            "<|im_start|>user\nTell me a joke<|im_end|>\n" +
            "<|im_start|>assistant\n",
            Render(ChatMLTemplate, [new("user", "  Hi there\n"), new("assistant", "Hello."), new("user", "Tell me a joke")]));
    }

    [Fact]
    public void ChatML_KeepsTheGivenSystemMessage()
    {
        Assert.Equal(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n",
            Render(ChatMLTemplate, [new("system", "Be brief."), new("user", "Hi")], addGenerationPrompt: false));
    }

    [Fact]
    public void Llama3_PutsBosFirstAndTrimsContent()
    {
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\n",
            Render(Llama3Template, [new("system", "Be brief."), new("user", " Hi \n")], bos: "<|begin_of_text|>"));
    }

    [Fact]
    public void Phi3_WithoutGenerationPrompt_EndsWithEos()
    {
        Assert.Equal(
            "<|user|>\nHi<|end|>\n<|assistant|>\nHello<|end|>\n<|endoftext|>",
            Render(Phi3Template, [new("user", "Hi"), new("assistant", "Hello")], addGenerationPrompt: false, eos: "<|endoftext|>"));
    }

    [Fact]
    public void Mistral_AlternatingTurns_Render()
    {
        Assert.Equal(
            "<s>[INST] Hi [/INST]Hello</s>[INST] Bye [/INST]",
            Render(MistralTemplate, [new("user", "Hi"), new("assistant", "Hello"), new("user", "Bye")], bos: "<s>", eos: "</s>"));
    }

    [Fact]
    public void Mistral_RaiseException_FallsBackToChatML()
    {
        // A system message makes the template raise; the prompt is still written, in ChatML.
        Assert.Equal(
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
            Render(MistralTemplate, [new("system", "S"), new("user", "Hi")], bos: "<s>", eos: "</s>"));
    }

    [Fact]
    public void UnsupportedConstruct_FallsBackToChatML_AndSaysWhich()
    {
        var formatter = new ChatPromptFormatter(
            "{% macro greet(x) %}{{ x }}{% endmacro %}{{ greet('hi') }}", "", "", NullLogger.Instance);
        Assert.Contains("unsupported statement 'macro'", formatter.TemplateName);
        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", formatter.Format([new("user", "Hi")]));
    }

    [Fact]
    public void NoTemplate_UsesPlainText()
    {
        var formatter = new ChatPromptFormatter(null, "<s>", "</s>", NullLogger.Instance);
        Assert.Equal("Once upon a time\n\nthere was a cat", formatter.Format([new("user", "Once upon a time"), new("user", "there was a cat")]));
    }

    // The shape of Llama 3.1's template: the system message is taken out of the list, a date is
    // written with strftime_now when it is defined, and tools are optional.
    private const string Llama31StyleTemplate = """
        {{- bos_token }}
        {%- if not date_string is defined %}
            {%- if strftime_now is defined %}
                {%- set date_string = "26 Jul 2024" %}
            {%- endif %}
        {%- endif %}
        {%- if messages[0]['role'] == 'system' %}
            {%- set system_message = messages[0]['content']|trim %}
            {%- set messages = messages[1:] %}
        {%- else %}
            {%- set system_message = "" %}
        {%- endif %}
        {{- "<|start_header_id|>system<|end_header_id|>\n\n" }}
        {%- if tools is not none and tools is defined %}
            {{- "Environment: ipython\n" }}
        {%- endif %}
        {{- "Today Date: " + date_string + "\n\n" }}
        {{- system_message }}
        {{- "<|eot_id|>" }}
        {%- for message in messages %}
            {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' }}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
        {%- endif %}
        """;

    [Fact]
    public void Llama31Style_MovesTheSystemMessageIntoTheHeader()
    {
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nToday Date: 26 Jul 2024\n\nBe brief.<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\n",
            Render(Llama31StyleTemplate, [new("system", " Be brief. "), new("user", "Hi")], bos: "<|begin_of_text|>"));
    }
}
