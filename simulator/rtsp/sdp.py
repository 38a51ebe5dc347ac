"""The SDP that DESCRIBE answers: one H.264 video stream over SRTP, keyed by SDES.

The bridge opens its upstream session only at PLAY, so the SDP cannot carry the camera's
parameter sets (`sprop-parameter-sets`); SPS and PPS arrive in-band before every keyframe.
`profile-level-id` is what the synthetic camera encodes at level 3.1: High (`64001f`) when
`whep_h264_profile` asks for it, else x264's Constrained Baseline bitstream (`42c01f`).
"""

from typing import Final

from simulator.media.stream import HIGH_PROFILE

from .media import CLOCK_RATE, PAYLOAD_TYPE, SrtpKey

CONTROL: Final = "trackID=0"
BASELINE_PROFILE_LEVEL_ID: Final = "42c01f"


def describe_sdp(*, origin_id: int, host: str, key: SrtpKey, profile: str) -> str:
    """Return the session description for one bridge session."""
    level_id = HIGH_PROFILE if profile == HIGH_PROFILE else BASELINE_PROFILE_LEVEL_ID
    lines = [
        "v=0",
        f"o=- {origin_id} 1 IN IP4 {host}",
        "s=Ring Live View",
        "c=IN IP4 0.0.0.0",
        "t=0 0",
        "a=control:*",
        "a=range:npt=now-",
        f"m=video 0 RTP/SAVP {PAYLOAD_TYPE}",
        f"a=rtpmap:{PAYLOAD_TYPE} H264/{CLOCK_RATE}",
        f"a=fmtp:{PAYLOAD_TYPE} packetization-mode=1;profile-level-id={level_id}",
        f"a=crypto:{key.crypto_attribute}",
        f"a=control:{CONTROL}",
    ]
    return "\r\n".join(lines) + "\r\n"
