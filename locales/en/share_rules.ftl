# Long-term (L) share links and the list of attempts (#30 review): templates/share_new.html,
# share_list.html and share_created.html.
share-rules-follows = Keep the link up to date: it opens your record as it is each time it is opened (a long-term link)
share-rules-follows-hint = Without this, the link opens what your record holds now and never changes. With it, the portal keeps the link's key, locked with a key of its own that is kept apart from your record, to make the content again each time the link is opened.
share-rules-kind = Content
share-rules-follows-yes = Follows your record
share-rules-follows-no = Fixed when the link was made
share-rules-created-follows = This link follows your record: whoever opens it later sees your record as it is then. Revoke it when it is no longer needed.
share-rules-attempts-shown = Showing the newest { $shown } of { $total } attempts.
share-rules-tries = ({ $count } times; the latest shown)
