"""Comments on the order page's timeline, and the comment marker of the orders list.

The box to write one sits under the timeline; the timeline shows each comment
with the transitions, and an "Edit" link on the viewer's own. Every POST goes
through `orders.comments`, which checks the permission and the author again.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from core.errors import DomainError
from orders import comments
from orders.models import Order, OrderEvent

COMMENT_FORM_ID = "centra-comment-form"


class CommentForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Comment"),
        max_length=comments.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
    )


class OrderCommentsMixin:
    """`OrderAdmin`'s comment views, the box under the timeline, and the list's marker."""

    def comment_urls(self):
        """Adding a comment, editing or deleting one's own (an `extra_urls` entry)."""
        return [
            path(
                "<path:object_id>/comments/add/",
                self.admin_site.admin_view(require_POST(self.add_comment_view)),
                name="orders_order_add_comment",
            ),
            path(
                "<path:object_id>/comments/<int:comment_id>/",
                self.admin_site.admin_view(self.comment_view),
                name="orders_order_comment",
            ),
        ]

    def annotate_page(self, request, queryset):
        return comments.with_comment_count(super().annotate_page(request, queryset))

    @admin.display(description=gettext_lazy("comments"))
    def comment_marker(self, order: Order):
        count = getattr(order, "comment_count", 0)
        if not count:
            return ""
        title = ngettext("%(count)s comment", "%(count)s comments", count) % {"count": count}
        return format_html('<span class="centra-comments" title="{}">{}</span>', title, count)

    def comment_section(self, request, order: Order) -> dict:
        """The box under the timeline, for whoever may comment (no query of its own;
        a `page_sections` entry)."""
        if not comments.may_comment(request.user):
            return {}
        form = CommentForm(auto_id="id_comment_%s")
        # The box sits inside the order's form (under the timeline) and forms do
        # not nest: its field belongs to a form of its own, outside (`form=`).
        form.fields["text"].widget.attrs["form"] = COMMENT_FORM_ID
        return {
            "comment_form": form,
            "comment_form_id": COMMENT_FORM_ID,
            "comment_add_url": reverse(
                "admin:orders_order_add_comment",
                args=[quote(order.pk)],
                current_app=self.admin_site.name,
            ),
        }

    def add_comment_view(self, request, object_id):
        order = self._commented_order(request, object_id)
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                comments.add_comment(
                    order_id=order.pk, by=request.user, text=form.cleaned_data["text"]
                )
            except DomainError as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
            else:
                self.message_user(
                    request, _("Comment added to %(order)s.") % {"order": order}, messages.SUCCESS
                )
        else:
            self.message_user(request, _form_problem(form), messages.ERROR)
        return HttpResponseRedirect(self._order_url(order) + "#comments")

    def comment_view(self, request, object_id, comment_id):
        """Edit or delete one's own comment (GET shows the form)."""
        order = self._commented_order(request, object_id)
        comment = OrderEvent.objects.filter(
            pk=comment_id, order=order, subject=OrderEvent.Subject.COMMENT
        ).first()
        if comment is None or not comments.is_author(comment, request.user):
            self.message_user(request, _("You can only edit your own comments."), messages.ERROR)
            return HttpResponseRedirect(self._order_url(order))
        form = CommentForm(request.POST or None, initial={"text": comment.message})
        if request.method == "POST" and ("_delete" in request.POST or form.is_valid()):
            try:
                if "_delete" in request.POST:
                    comments.delete_comment(comment_id=comment.pk, by=request.user)
                    done = _("Comment deleted.")
                else:
                    text = form.cleaned_data["text"]
                    comments.edit_comment(comment_id=comment.pk, by=request.user, text=text)
                    done = _("Comment saved.")
            except DomainError as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
            else:
                self.message_user(request, done, messages.SUCCESS)
            return HttpResponseRedirect(self._order_url(order) + "#comments")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Your comment on %(order)s") % {"order": order},
            "subtitle": None,
            "opts": self.opts,
            "original": order,
            "comment": comment,
            "form": form,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/orders/order/comment_edit.html", context)

    def _commented_order(self, request, object_id) -> Order:
        order = self.get_object(request, unquote(object_id))
        if order is None or not self.has_view_permission(request, order):
            raise PermissionDenied
        return order

    def _order_url(self, order: Order) -> str:
        return reverse(
            "admin:orders_order_change", args=[quote(order.pk)], current_app=self.admin_site.name
        )


def _form_problem(form: forms.Form) -> str:
    # By the error's code, not its words: Django's own sentence is translated.
    if form.has_error("text", "required"):
        return _("Write something in the comment first.")
    errors = form.errors.get("text") or [_("The comment was not understood.")]
    return str(errors[0])
