"""The sign-up form: one address, and a honeypot field people never see."""

from django import forms

HONEYPOT_FIELD = "website"


class SignupForm(forms.Form):
    email = forms.EmailField(
        label="Your e-mail address",
        max_length=254,
        error_messages={
            "required": "Enter your e-mail address.",
            "invalid": "Enter a valid e-mail address, like name@example.org.",
        },
    )
    # Hidden from people by CSS (and from screen readers by aria-hidden): whoever fills
    # it in is a bot, answered like everyone else but ignored.
    website = forms.CharField(required=False, max_length=1000)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "newsletter-%s")
        super().__init__(*args, **kwargs)

    @property
    def filled_by_bot(self) -> bool:
        """Return whether the honeypot field holds anything (read from the raw data)."""
        return bool(self.data.get(HONEYPOT_FIELD, "").strip()) if self.is_bound else False
