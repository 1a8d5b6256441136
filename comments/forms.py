"""The reader's comment form: plain text, a length and link limit, a honeypot, one reply level."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.formats import number_format

from articles.models import Article

from .models import Comment
from .text import count_links


class CommentForm(forms.Form):
    """A comment or a reply to one. Every refusal is a message at the field it concerns."""

    name = forms.CharField(
        max_length=Comment._meta.get_field("name").max_length,
        help_text="Shown with your comment.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="E-mail",
        max_length=Comment._meta.get_field("email").max_length,
        help_text="Never shown. Editors may use it to contact you about your comment.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    text = forms.CharField(
        label="Comment",
        strip=True,
        # No maxlength attribute: a browser would cut pasted text silently; the limit is
        # checked here and explained at the field instead.
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60}),
    )
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # The honeypot: hidden from sighted readers by CSS, labelled for everyone else.
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, article: Article, **kwargs) -> None:
        kwargs.setdefault("auto_id", "comment-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.article = article
        self.parent: Comment | None = None
        self.fields["text"].help_text = (
            f"Plain text, up to {number_format(settings.COMMENTS_MAX_LENGTH, force_grouping=True)}"
            f" characters and {settings.COMMENTS_MAX_LINKS} links."
        )

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        limit = settings.COMMENTS_MAX_LENGTH
        if len(text) > limit:
            raise forms.ValidationError(
                "Your comment is %(length)s characters long; the limit is %(limit)s. "
                "Please shorten it.",
                code="too_long",
                params={
                    "length": number_format(len(text), force_grouping=True),
                    "limit": number_format(limit, force_grouping=True),
                },
            )
        links, max_links = count_links(text), settings.COMMENTS_MAX_LINKS
        if links > max_links:
            raise forms.ValidationError(
                "Your comment has %(links)s links; at most %(max)s are allowed. "
                "Please remove some.",
                code="too_many_links",
                params={"links": links, "max": max_links},
            )
        return text

    def clean_website(self) -> str:
        if self.cleaned_data["website"]:
            raise forms.ValidationError(
                "This field catches spam robots and must stay empty. Please clear it and "
                "send your comment again.",
                code="honeypot",
            )
        return ""

    def clean(self) -> dict:
        """Find the comment replied to; a reply to a reply joins its top-level comment."""
        cleaned = super().clean()
        pk = cleaned.get("reply_to")
        if pk is None:
            return cleaned
        parent = (
            Comment.objects.approved()
            .filter(article=self.article, pk=pk)
            .select_related("parent")
            .first()
        )
        if parent is None:
            raise forms.ValidationError(
                "The comment you are replying to is no longer shown. You can post your text "
                "as a new comment instead.",
                code="no_parent",
            )
        self.parent = parent.parent if parent.parent_id else parent
        cleaned["reply_to"] = self.parent.pk
        return cleaned
