FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml setup.py README.md ./
COPY callcenter ./callcenter
COPY telephony ./telephony
COPY dialer ./dialer
COPY web ./web
COPY ml ./ml
RUN pip install --no-cache-dir .
ENV CALLCENTER_DATA_DIR=/data CALLCENTER_HOST=0.0.0.0
VOLUME /data
EXPOSE 8000
CMD ["callcenter", "serve"]
