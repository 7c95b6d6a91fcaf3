"""A token rotates itself (令牌轮换): POST /tokens/rotate, the new plaintext answered once."""

from datetime import timedelta

from ninja import Router, Status

from griddesk.api import render
from griddesk.api.schemas import ErrorOut, TokenRotatedOut, TokenRotateIn
from griddesk.api.services import api_token_rotate

router = Router(tags=["访问令牌"])
E = {400: ErrorOut, 401: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.post("/tokens/rotate", response={201: TokenRotatedOut, **E}, summary="轮换当前令牌")
def token_rotate(request, payload: TokenRotateIn):
    """Issue a new token for the same account and purpose (lifetime GRIDDESK_API_TOKEN_DAYS); the
    token that sent this request keeps working for `overlap_hours`, then expires. The new
    plaintext is in this answer only. 409 if the token was rotated already and its replacement used."""
    new, plaintext, old = api_token_rotate(token=request.api_token, actor=request.auth,
                                           overlap=timedelta(hours=payload.overlap_hours))
    return Status(201, {
        "token": plaintext, "prefix": new.prefix, "name": new.name, "expires_at": render._local(new.expires_at),
        "previous": {"prefix": old.prefix, "expires_at": render._local(old.expires_at)},
    })
